"""Panels: stretch, colours, overlay and the layout of one sample's panel."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from mmseg_edc.visualization import OpticalSARVisualizationHook
from mmseg_edc.visualization.panel import (LEGEND_LINE, LEGEND_MARGIN, SWATCH,
                                           TITLE_HEIGHT, colorize_labels,
                                           legend_entries, overlay_mask,
                                           percentile_stretch, render_legend,
                                           render_sample_panel)

PALETTE = [(0, 100, 0), (255, 187, 34), (240, 150, 255)]


def test_percentile_stretch_maps_percentiles_to_the_byte_range():
    values = np.arange(101, dtype=np.float32).reshape(101, 1)
    out = percentile_stretch(values, low=10, high=90)
    assert out[10, 0] == 0 and out[90, 0] == 255
    assert out[50, 0] == 128 and out[0, 0] == 0 and out[100, 0] == 255
    assert not percentile_stretch(np.ones((4, 4))).any()


def test_colorize_and_overlay():
    labels = np.array([[0, 1], [2, 255]], np.uint8)
    rgb = colorize_labels(labels, PALETTE)
    assert tuple(rgb[0, 1]) == PALETTE[1] and tuple(rgb[1, 1]) == (0, 0, 0)
    base = np.full((2, 2, 3), 100, np.uint8)
    blended = overlay_mask(base, np.array([[1, 0], [0, 0]]), color=(200, 0, 0),
                           alpha=0.5)
    assert tuple(blended[0, 0]) == (150, 50, 50) and tuple(blended[1, 1]) == (100,) * 3


def test_panel_layout_and_label_grid_upsampling():
    rng = np.random.default_rng(0)
    inputs = rng.random((6, 30, 30)).astype(np.float32)
    gt = np.zeros((9, 9), np.uint8)
    gt[:3, :3] = 2
    panel = render_sample_panel(inputs, PALETTE, optical_channels=4,
                                gt_labels=gt, pred_labels=gt,
                                cloud_mask=np.zeros((30, 30)),
                                clear_pred=inputs[:4])
    tiles, gap = 6, 4
    assert panel.shape == (30 + TITLE_HEIGHT, tiles * 30 + (tiles - 1) * gap, 3)
    gt_tile = panel[TITLE_HEIGHT:, 3 * (30 + gap):3 * (30 + gap) + 30]
    assert tuple(gt_tile[0, 0]) == PALETTE[2] and tuple(gt_tile[9, 9]) == PALETTE[2]
    assert tuple(gt_tile[10, 10]) == PALETTE[0]


def test_hook_writes_one_panel_per_sample(tmp_path):
    visualizer = SegLocalVisualizer.get_instance(
        'test_panel_hook', vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path))
    visualizer.dataset_meta = dict(classes=('a', 'b', 'c'), palette=PALETTE)
    hook = OpticalSARVisualizationHook(draw=True)
    hook._visualizer = visualizer
    outputs = []
    for key in ('s1', 's2'):
        sample = SegDataSample(metainfo=dict(sample_key=key, img_path=f'{key}.tif',
                                             bands=dict(optical=4, sar=2)))
        sample.gt_sem_seg = PixelData(data=torch.zeros(1, 3, 3, dtype=torch.long))
        sample.pred_sem_seg = PixelData(data=torch.ones(1, 3, 3, dtype=torch.long))
        outputs.append(sample)
    batch = dict(inputs=[torch.rand(6, 10, 10), torch.rand(6, 10, 10)])

    class FakeRunner:
        _train_loop = None      # a test-only run: no train loop built

    hook.after_test_iter(FakeRunner(), 0, batch, outputs)
    written = sorted(p.name for p in tmp_path.rglob('*.png'))
    assert written == ['test_s1_0.png', 'test_s2_0.png']


# colours no anti-aliased black text on white can produce (not grey)
LEGEND_PALETTE = [(0, 100, 0), (250, 0, 0), (0, 100, 200)]


def colour_pixels(image, colour):
    return int(np.all(image == np.asarray(colour, np.uint8), axis=-1).sum())


def test_legend_lists_present_classes_with_swatches():
    labels = np.array([[0, 0], [2, 255]], np.uint8)
    entries = legend_entries(('forest', 'urban', 'water'), LEGEND_PALETTE, [labels])
    assert entries == [('forest', LEGEND_PALETTE[0]), ('water', LEGEND_PALETTE[2]),
                       ('ignored', (0, 0, 0))]
    assert [name for name, _ in legend_entries(
        ('forest', 'urban', 'water'), LEGEND_PALETTE, [labels], 'all')] == [
        'forest', 'urban', 'water', 'ignored']
    assert legend_entries(('forest',), LEGEND_PALETTE[:1], [labels], 'none') == []
    strip = render_legend(entries[:2], width=300)
    assert strip.shape == (LEGEND_LINE, 300, 3)
    # one SWATCH x SWATCH square per entry, the first at the left margin
    assert colour_pixels(strip, LEGEND_PALETTE[0]) == SWATCH ** 2
    assert colour_pixels(strip, LEGEND_PALETTE[2]) == SWATCH ** 2
    assert colour_pixels(strip, LEGEND_PALETTE[1]) == 0
    top = (LEGEND_LINE - SWATCH) // 2
    assert tuple(strip[top, LEGEND_MARGIN]) == LEGEND_PALETTE[0]
    assert tuple(strip[top + SWATCH - 1, LEGEND_MARGIN + SWATCH - 1]) == LEGEND_PALETTE[0]
    # the name is written right of its swatch: dark text pixels there
    text = strip[top:top + SWATCH, LEGEND_MARGIN + SWATCH + 2:LEGEND_MARGIN + SWATCH + 40]
    assert (text.max(axis=-1) < 128).sum() > 10


def test_legend_wraps_to_the_panel_width():
    names = [f'class number {i}' for i in range(3)]
    one_line = render_legend(list(zip(names, LEGEND_PALETTE)), width=1000)
    wrapped = render_legend(list(zip(names, LEGEND_PALETTE)), width=160)
    assert one_line.shape[0] == LEGEND_LINE and wrapped.shape[0] == 3 * LEGEND_LINE
    for colour in LEGEND_PALETTE:
        assert colour_pixels(wrapped, colour) == SWATCH ** 2
    assert render_legend([], width=100).shape == (0, 100, 3)


def test_panel_with_cloud_free_image_and_legend_at_300_px():
    rng = np.random.default_rng(0)
    inputs = rng.random((6, 300, 300)).astype(np.float32)
    gt = np.zeros((90, 90), np.uint8)
    gt[:30] = 2
    panel = render_sample_panel(inputs, LEGEND_PALETTE, optical_channels=4,
                                gt_labels=gt, clear_img=inputs[:4],
                                classes=('forest', 'urban', 'water'))
    tiles, gap = 4, 4    # cloudy optical, SAR, cloud-free optical, ground truth
    width = tiles * 300 + (tiles - 1) * gap
    assert panel.shape == (TITLE_HEIGHT + 300 + LEGEND_LINE, width, 3)
    legend = panel[TITLE_HEIGHT + 300:]
    assert colour_pixels(legend, LEGEND_PALETTE[0]) == SWATCH ** 2
    assert colour_pixels(legend, LEGEND_PALETTE[2]) == SWATCH ** 2
    assert colour_pixels(legend, LEGEND_PALETTE[1]) == 0
    # the 90 x 90 label covers the 300 x 300 tile: row 100 (label row 30) is class 0
    gt_tile = panel[TITLE_HEIGHT:TITLE_HEIGHT + 300, 3 * (300 + gap):]
    assert tuple(gt_tile[99, 0]) == LEGEND_PALETTE[2]
    assert tuple(gt_tile[100, 0]) == LEGEND_PALETTE[0]


def test_hook_refuses_an_unknown_legend_mode():
    with pytest.raises(ValueError, match="legend must be one of"):
        OpticalSARVisualizationHook(legend='some')
