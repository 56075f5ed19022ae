"""Output rasters of large-scene inference, written row band by row band.

Every output goes to a temporary file next to its final path
(``.<name>.<host>.<pid>.partial``, :func:`mmseg_edc.io.partial_path`) and is renamed
only when the whole scene is done; after an error, Ctrl-C or SIGTERM (with the tools'
:func:`mmseg_edc.utils.run_tool`) the temporary files are removed, so a final path
holds either a complete result or what it held before. What a killed run left
(``kill -9``) is removed by the next run writing the same output. Files get the
user's normal permissions (``0o666`` less the umask).
GeoTIFFs take the optical raster's CRS and geotransform and are tiled and
deflate-compressed (BigTIFF when they might exceed 4 GiB).

- class map: uint8, one band, nodata 255, colour table from the dataset palette
  (nodata transparent), class names in the ``classes`` tag (JSON);
- confidence (max softmax): float32 (nodata NaN) or uint8 percent (0-100, scale
  0.01, nodata 255);
- cloud-removed image: float32, one band per optical band, nodata NaN, in the
  units of ``gt_clear_img`` (after ``RadiometricScale``);
- quick-look: RGBA PNG of the class map, nearest-downsampled to at most
  ``quicklook_size`` pixels a side, nodata transparent.
"""
import json
import math
import os
import os.path as osp

import numpy as np
import rasterio
from PIL import Image
from rasterio.windows import Window

from mmseg_edc.io import partial_path, remove_stale_partials

NODATA_LABEL = 255
CONFIDENCE_DTYPES = ('float32', 'uint8')


def colour_table(palette):
    """``256 x 4`` uint8 RGBA lookup: class ``i`` -> ``palette[i]``, opaque; every
    other index (nodata 255 included) transparent black."""
    if len(palette) > NODATA_LABEL:
        raise ValueError(f'a uint8 class map holds at most {NODATA_LABEL} classes, '
                         f'the palette has {len(palette)}')
    table = np.zeros((256, 4), dtype=np.uint8)
    table[:len(palette), :3] = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    table[:len(palette), 3] = 255
    return table


class AtomicOutputs:
    """Temporary names for the outputs, renamed to the final ones on success.

    Args:
        inputs (Sequence[str]): files that no output may replace.

    Use as a context manager: leaving it without an exception renames every
    reserved file; leaving it with one deletes them. Reserving an output first
    removes the partial files of that output left by runs that died.
    """

    def __init__(self, inputs):
        self.inputs = [p for p in inputs if osp.exists(p)]
        self.pending = {}

    def reserve(self, path):
        """Check ``path`` and return the temporary file to write in its place.

        Raises:
            ValueError: ``path`` is one of the inputs, a folder, or reserved twice.
            FileExistsError: this process is already writing ``path``.
        """
        final = osp.abspath(path)
        if osp.exists(final):
            if osp.isdir(final):
                raise ValueError(f'output {path!r} is a folder, expected a file path')
            for source in self.inputs:
                if osp.samefile(final, source):
                    raise ValueError(f'refusing to overwrite input {source!r} with '
                                     f'output {path!r}; choose another output path')
        if final in self.pending:
            raise ValueError(f'output {path!r} is requested twice')
        os.makedirs(osp.dirname(final), exist_ok=True)
        remove_stale_partials(final)
        temporary = partial_path(final)
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            raise FileExistsError(f'output {path!r} is already being written by this '
                                  f'process ({temporary} exists)') from None
        self.pending[final] = temporary
        return temporary

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if exc_type is None:
            for final, temporary in self.pending.items():
                os.replace(temporary, final)
            return
        for temporary in self.pending.values():
            for leftover in (temporary, temporary + '.aux.xml'):
                if osp.exists(leftover):
                    os.remove(leftover)


class Quicklook:
    """A nearest-downsampled colour image of the class map, filled band by band.

    Keeps every ``step``-th row and column, ``step = ceil(max(H, W) / max_side)``.

    Args:
        height, width (int): scene size.
        max_side (int): longest side of the image.
        colours (np.ndarray): ``256 x 4`` RGBA lookup (:func:`colour_table`).
    """

    def __init__(self, height, width, max_side, colours):
        self.step = max(1, math.ceil(max(height, width) / max_side))
        self.colours = colours
        self.image = np.zeros((math.ceil(height / self.step),
                               math.ceil(width / self.step), 4), dtype=np.uint8)

    def add(self, top, labels):
        """Colour the kept rows of the ``n x W`` class band starting at row ``top``."""
        first = -top % self.step
        kept = labels[first::self.step, ::self.step]
        row = (top + first) // self.step
        self.image[row:row + kept.shape[0]] = self.colours[kept]

    def save(self, path):
        Image.fromarray(self.image, mode='RGBA').save(path, format='PNG')


class SceneWriter:
    """Open the requested outputs on the optical grid and write row bands to them.

    Args:
        outputs (AtomicOutputs): gives the temporary files.
        grid (RasterGrid): the optical grid (shape, CRS, transform).
        labels_path (str): the class map.
        classes (Sequence[str]): class names.
        palette (Sequence[Sequence[int]]): one RGB colour per class.
        confidence_path (str, optional): max-softmax raster.
        confidence_dtype (str): ``'float32'`` or ``'uint8'`` (percent).
        clear_path (str, optional): cloud-removed image.
        clear_bands (int): its band count.
        quicklook_path (str, optional): PNG of the class map.
        quicklook_size (int): longest side of the PNG.
        block_size (int): GeoTIFF tile side, a multiple of 16.
    """

    def __init__(self, outputs, grid, labels_path, classes, palette,
                 confidence_path=None, confidence_dtype='float32', clear_path=None,
                 clear_bands=0, quicklook_path=None, quicklook_size=1024,
                 block_size=256):
        if confidence_dtype not in CONFIDENCE_DTYPES:
            raise ValueError(f'confidence_dtype must be one of {CONFIDENCE_DTYPES}, '
                             f'got {confidence_dtype!r}')
        if block_size <= 0 or block_size % 16:
            raise ValueError(f'block_size must be a positive multiple of 16, got '
                             f'{block_size}')
        self.grid, self.block_size = grid, block_size
        self.colours = colour_table(palette)
        self.confidence_dtype = confidence_dtype
        self.datasets = {}
        self.quicklook = None
        requested = dict(labels=labels_path, confidence=confidence_path,
                         clear=clear_path, quicklook=quicklook_path)
        self.paths = {name: outputs.reserve(path) for name, path in requested.items()
                      if path is not None}
        try:
            self._open_rasters(classes, clear_bands)
        except Exception:
            self.close()
            raise
        if quicklook_path is not None:
            self.quicklook = Quicklook(*grid.shape, quicklook_size, self.colours)

    def _open_rasters(self, classes, clear_bands):
        labels = self._open('labels', 1, 'uint8', NODATA_LABEL)
        labels.write_colormap(1, {i: tuple(int(v) for v in colour)
                                  for i, colour in enumerate(self.colours)})
        labels.update_tags(classes=json.dumps(list(classes)))
        if 'confidence' in self.paths:
            percent = self.confidence_dtype == 'uint8'
            confidence = self._open('confidence', 1, self.confidence_dtype,
                                    NODATA_LABEL if percent else float('nan'))
            if percent:
                confidence.scales = (0.01,)
        if 'clear' in self.paths:
            self._open('clear', clear_bands, 'float32', float('nan'))

    def _open(self, name, count, dtype, nodata):
        height, width = self.grid.shape
        self.datasets[name] = rasterio.open(
            self.paths[name], 'w', driver='GTiff', width=width, height=height,
            count=count, dtype=dtype, nodata=nodata, crs=self.grid.crs,
            transform=self.grid.transform, tiled=True, blockxsize=self.block_size,
            blockysize=self.block_size, compress='deflate', BIGTIFF='IF_SAFER')
        return self.datasets[name]

    @property
    def wants_confidence(self):
        return 'confidence' in self.datasets

    @property
    def wants_clear(self):
        return 'clear' in self.datasets

    def write(self, top, labels, nodata, confidence=None, clear=None):
        """Write scene rows ``[top, top + n)``.

        Args:
            top (int): first scene row.
            labels (np.ndarray): uint8 ``n x W`` class indices.
            nodata (np.ndarray): bool ``n x W``.
            confidence (np.ndarray, optional): float32 ``n x W`` in ``(0, 1]``;
                required when a confidence output was requested.
            clear (np.ndarray, optional): float32 ``C_opt x n x W``; required when
                a cloud-removed output was requested.
        """
        window = Window(0, top, labels.shape[1], labels.shape[0])
        labels = np.where(nodata, NODATA_LABEL, labels).astype(np.uint8)
        self.datasets['labels'].write(labels, 1, window=window)
        if self.wants_confidence:
            if self.confidence_dtype == 'uint8':
                confidence = np.rint(confidence * 100).astype(np.uint8)
            confidence[nodata] = self.datasets['confidence'].nodata
            self.datasets['confidence'].write(confidence, 1, window=window)
        if self.wants_clear:
            clear[:, nodata] = np.nan
            self.datasets['clear'].write(clear, window=window)
        if self.quicklook is not None:
            self.quicklook.add(top, labels)

    def __enter__(self):
        return self

    def close(self):
        for dataset in self.datasets.values():
            dataset.close()

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()
        if exc_type is None and self.quicklook is not None:
            self.quicklook.save(self.paths['quicklook'])
