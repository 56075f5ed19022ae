"""Rendering of one optical-SAR sample as a row of labelled tiles with a class legend
underneath (numpy, RGB uint8)."""
import cv2
import numpy as np

from mmseg_edc.io import resample_nearest

TITLE_HEIGHT = 22
IGNORE_COLOR = (0, 0, 0)
IGNORE_INDEX = 255
#: Text of titles and legend: OpenCV's Hershey simplex at this scale is about 10 px
#: tall, readable at 100 % zoom in a panel of 300-px tiles.
FONT, FONT_SCALE = cv2.FONT_HERSHEY_SIMPLEX, 0.45
#: Legend geometry (pixels): swatch side, line height, margins around the swatch and
#: the text, space between entries.
SWATCH, LEGEND_LINE, LEGEND_MARGIN, ENTRY_GAP = 14, 22, 4, 14
LEGEND_MODES = ('present', 'all', 'none')


def percentile_stretch(bands, low=2.0, high=98.0):
    """Stretch ``H x W x C`` (or ``H x W``) values between two percentiles to uint8.

    Each channel is stretched on its own, which is the usual true-colour display of
    reflectance (percentiles over finite values; a flat channel becomes 0).
    """
    bands = np.asarray(bands, dtype=np.float32)
    squeeze = bands.ndim == 2
    if squeeze:
        bands = bands[..., None]
    out = np.zeros(bands.shape, dtype=np.uint8)
    for c in range(bands.shape[-1]):
        channel = bands[..., c]
        finite = channel[np.isfinite(channel)]
        if finite.size == 0:
            continue
        lo, hi = np.percentile(finite, [low, high])
        if hi <= lo:
            continue
        scaled = (np.nan_to_num(channel, nan=lo) - lo) / (hi - lo)
        out[..., c] = np.round(np.clip(scaled, 0, 1) * 255).astype(np.uint8)
    return out[..., 0] if squeeze else out


def colorize_labels(labels, palette, ignore_index=255):
    """Map an ``h x w`` class map to ``h x w x 3`` colours; ignored pixels are black."""
    lut = np.zeros((256, 3), dtype=np.uint8)
    lut[:len(palette)] = np.asarray(palette, dtype=np.uint8)
    lut[ignore_index] = IGNORE_COLOR
    return lut[np.asarray(labels, dtype=np.uint8)]


def overlay_mask(rgb, mask, color=(0, 255, 255), alpha=0.5):
    """Blend ``color`` into ``rgb`` (``H x W x 3`` uint8) where ``mask`` is set."""
    out = rgb.astype(np.float32)
    sel = np.asarray(mask).astype(bool)
    out[sel] = (1 - alpha) * out[sel] + alpha * np.asarray(color, np.float32)
    return out.astype(np.uint8)


def _titled(tile, title):
    bar = np.full((TITLE_HEIGHT, tile.shape[1], 3), 255, dtype=np.uint8)
    cv2.putText(bar, title, (3, TITLE_HEIGHT - 7), FONT, FONT_SCALE, (0, 0, 0), 1,
                cv2.LINE_AA)
    return np.concatenate([bar, tile], axis=0)


def legend_entries(classes, palette, label_maps=(), mode='present'):
    """The ``(name, colour)`` entries of a class legend.

    Args:
        classes (Sequence[str]): class names, one per palette colour.
        palette (Sequence[tuple]): class colours.
        label_maps (Sequence[ndarray]): the class maps shown (ground truth,
            prediction); with ``mode='present'`` only their classes are listed.
        mode (str): ``'present'`` (classes occurring in ``label_maps``), ``'all'``
            (every class) or ``'none'``.

    Returns:
        list[tuple[str, tuple]]: in class order, then ``('ignored', black)`` when a
        shown map has ignored pixels (255).
    """
    if mode not in LEGEND_MODES:
        raise ValueError(f'legend must be one of {LEGEND_MODES}, got {mode!r}')
    if mode == 'none':
        return []
    present = set()
    for labels in label_maps:
        present.update(np.unique(np.asarray(labels)).tolist())
    shown = range(len(palette)) if mode == 'all' else sorted(
        c for c in present if c < len(palette))
    entries = [(str(classes[c]), tuple(int(v) for v in palette[c])) for c in shown]
    if IGNORE_INDEX in present:
        entries.append(('ignored', IGNORE_COLOR))
    return entries


def render_legend(entries, width):
    """A white ``n x width x 3`` uint8 strip: per entry a colour swatch (with a grey
    outline) and the name, left to right, wrapping onto new lines of
    ``LEGEND_LINE`` px; empty (0 rows) without entries."""
    placed, x, line = [], LEGEND_MARGIN, 0
    for name, colour in entries:
        text_width = cv2.getTextSize(name, FONT, FONT_SCALE, 1)[0][0]
        entry_width = SWATCH + LEGEND_MARGIN + text_width
        if x > LEGEND_MARGIN and x + entry_width > width - LEGEND_MARGIN:
            x, line = LEGEND_MARGIN, line + 1
        placed.append((name, colour, x, line))
        x += entry_width + ENTRY_GAP
    lines = line + 1 if placed else 0
    strip = np.full((lines * LEGEND_LINE, width, 3), 255, dtype=np.uint8)
    for name, colour, x, line in placed:
        top = line * LEGEND_LINE + (LEGEND_LINE - SWATCH) // 2
        cv2.rectangle(strip, (x - 1, top - 1), (x + SWATCH, top + SWATCH), (128,) * 3, 1)
        strip[top:top + SWATCH, x:x + SWATCH] = colour
        cv2.putText(strip, name, (x + SWATCH + LEGEND_MARGIN, top + SWATCH - 2), FONT,
                    FONT_SCALE, (0, 0, 0), 1, cv2.LINE_AA)
    return strip


def compose_panel(tiles, gap=4):
    """Put ``[(title, H x W x 3 uint8 or H x W uint8), ...]`` side by side.

    Tiles on a coarser grid (labels) are brought to the first tile's size by nearest
    sampling, so every pixel of the panel row shows the same ground.
    """
    height, width = tiles[0][1].shape[:2]
    columns = []
    for title, tile in tiles:
        if tile.ndim == 2:
            tile = np.repeat(tile[..., None], 3, axis=-1)
        if tile.shape[:2] != (height, width):
            tile = resample_nearest(tile, (height, width))
        columns.append(_titled(tile, title))
        columns.append(np.full((height + TITLE_HEIGHT, gap, 3), 255, np.uint8))
    return np.concatenate(columns[:-1], axis=1)


def _true_colour(image, rgb_bands):
    """``C_opt x H x W`` optical bands -> stretched ``H x W x 3`` true colour."""
    return percentile_stretch(np.transpose(image, (1, 2, 0))[..., list(rgb_bands)])


def _grid_title(name, labels, image_shape):
    """``name``, with the label grid's size when it differs from the image's."""
    if tuple(labels.shape) == tuple(image_shape):
        return name
    return f'{name} ({labels.shape[0]}x{labels.shape[1]} grid)'


def render_sample_panel(inputs, palette, optical_channels, rgb_bands=(2, 1, 0),
                        gt_labels=None, pred_labels=None, cloud_mask=None,
                        clear_pred=None, clear_img=None, classes=None,
                        legend='present'):
    """Panel for one sample: a row of titled tiles, then the class legend.

    Tiles, each when given: cloudy optical (true colour), SAR (first band), the
    cloud-free optical image, the cloud mask over the cloudy image, ground truth,
    prediction, the cloud-removed image. Class maps on a coarser label grid are
    brought to the image by nearest sampling (:func:`compose_panel`).

    Args:
        inputs (ndarray): ``C x H x W`` packed inputs in radiometric units
            (optical bands first, then SAR bands).
        palette (list[tuple]): class colours.
        optical_channels (int): how many leading channels are optical.
        rgb_bands (tuple[int]): optical band indices shown as red, green, blue
            (``(2, 1, 0)`` for B, G, R, NIR band order).
        gt_labels, pred_labels (ndarray | None): ``h x w`` class maps on the label grid.
        cloud_mask (ndarray | None): ``H x W``, nonzero = cloud.
        clear_pred (ndarray | None): ``C_opt x H x W`` cloud-removed optical image.
        clear_img (ndarray | None): ``C_opt x H x W`` cloud-free optical image (the
            target).
        classes (Sequence[str] | None): class names for the legend; None: no legend.
        legend (str): ``'present'`` (classes of the shown class maps), ``'all'`` or
            ``'none'`` (see :func:`legend_entries`).

    Returns:
        ndarray: ``(TITLE_HEIGHT + H + L) x W' x 3`` uint8 RGB, ``L`` the legend's
        height (0 without one).
    """
    image_shape = inputs.shape[1:]
    true_colour = _true_colour(inputs[:optical_channels], rgb_bands)
    tiles = [('cloudy optical', true_colour)]
    if inputs.shape[0] > optical_channels:
        tiles.append(('SAR (1st band)', percentile_stretch(inputs[optical_channels])))
    if clear_img is not None:
        tiles.append(('cloud-free optical', _true_colour(clear_img, rgb_bands)))
    if cloud_mask is not None:
        tiles.append(('cloud mask', overlay_mask(true_colour, cloud_mask)))
    label_maps = [m for m in (gt_labels, pred_labels) if m is not None]
    if gt_labels is not None:
        tiles.append((_grid_title('ground truth', gt_labels, image_shape),
                      colorize_labels(gt_labels, palette)))
    if pred_labels is not None:
        tiles.append((_grid_title('prediction', pred_labels, image_shape),
                      colorize_labels(pred_labels, palette)))
    if clear_pred is not None:
        tiles.append(('cloud removed', _true_colour(clear_pred, rgb_bands)))
    panel = compose_panel(tiles)
    if classes is None:
        return panel
    strip = render_legend(legend_entries(classes, palette, label_maps, legend),
                          panel.shape[1])
    return np.concatenate([panel, strip], axis=0)
