"""Segment whole optical-SAR scenes window by window, in memory bounded by the window.

:class:`SceneSegmenter` wraps a segmentor (``EDCSegmentor`` or any mmseg
``EncoderDecoder`` on packed ``[optical; SAR]`` inputs) with what its config says
about the data: band counts (``LoadOpticalSARTile``), radiometric scaling
(``RadiometricScale``) from the test pipeline, normalisation from the model's own
data preprocessor, class names and palette from the dataset. :meth:`segment` then

1. plans rows of overlapping windows over the optical grid (a window larger than the
   scene shrinks to it);
2. reads each window of the optical raster and the SAR raster under it (nearest
   neighbour onto the optical grid; never a whole raster);
3. runs the model on batches of windows of one row (optionally under autocast);
4. adds each window's logits (and cloud-removed image) into a strip accumulator
   with a cosine taper, so overlaps blend smoothly;
5. writes finished rows (no later window touches them) to the outputs, in whole
   GeoTIFF tile rows, and drops them.

Memory: the accumulator holds ``window + block_size`` rows of the scene width at
``4 * (K [+ C_opt]) + 5`` bytes a pixel (K classes; the cloud-removed bands only when
written), the model one batch of windows, GDAL's block cache at most
``gdal_cache_mb``; nothing grows with the scene height, only the accumulator with
its width (EDC's 6 classes, 512-px windows, 256-px tiles, an 8192-px wide scene: 182
MB).
"""
import contextlib
import logging
import os.path as osp
import sys
import time

import numpy as np
import rasterio
import torch
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log
from mmengine.utils import ProgressBar
from mmseg.registry import TRANSFORMS

from mmseg_edc.datasets.transforms import PackOpticalSARInputs
from mmseg_edc.io import RasterGrid
from mmseg_edc.utils.efficiency import autocast_context
from mmseg_edc.utils.windows import blend_weights

from .config_data import config_test_pipeline, dataset_classes_and_palette
from .optical_sar_inference import init_optical_sar_model
from .scene_outputs import NODATA_LABEL, AtomicOutputs, SceneWriter
from .scene_reader import SceneReader
from .windows import StripAccumulator, band_capacity, finished_until, plan_window_rows

#: Test-pipeline steps that window-by-window inference replaces or reproduces.
WINDOWED_STEPS = ('LoadOpticalSARTile', 'RadiometricScale', 'PackOpticalSARInputs')
#: Finished rows are blended and written this many at a time (bounds temporaries).
RELEASE_ROWS = 64
@contextlib.contextmanager
def whole_inference_mode(model):
    """Temporarily set ``model.test_cfg.mode = 'whole'`` (one forward per image)."""
    saved = model.test_cfg
    model.test_cfg = ConfigDict(dict(saved or {}, mode='whole'))
    try:
        yield model
    finally:
        model.test_cfg = saved


def label_agreement(labels, reference, ignore_index=NODATA_LABEL):
    """Fraction of pixels with equal labels, over pixels ``labels`` does not ignore.

    Args:
        labels, reference (np.ndarray): integer ``H x W`` class maps.

    Returns:
        float: in ``[0, 1]``; NaN when every pixel is ignored.
    """
    if labels.shape != reference.shape:
        raise ValueError(f'label maps differ in shape: {labels.shape} vs '
                         f'{reference.shape}')
    valid = labels != ignore_index
    return float((labels[valid] == reference[valid]).mean()) if valid.any() \
        else float('nan')


def labels_and_confidence(logits, with_confidence):
    """Arg-max class and max softmax of blended logits.

    Args:
        logits (np.ndarray): float32 ``K x n x W``; overwritten when
            ``with_confidence``.
        with_confidence (bool): compute the confidence.

    Returns:
        tuple: uint8 ``n x W`` labels, float32 ``n x W`` confidence (or None).
    """
    labels = logits.argmax(axis=0).astype(np.uint8)
    if not with_confidence:
        return labels, None
    logits -= logits.max(axis=0, keepdims=True)
    np.exp(logits, out=logits)
    return labels, 1.0 / logits.sum(axis=0)


class SceneSegmenter:
    """A segmentor ready to segment whole optical-SAR scenes.

    Args:
        model (nn.Module): the segmentor (teacher-free: see
            :func:`build_inference_model`); moved to ``device`` and set to eval.
        cfg (Config | str): its config (test pipeline, dataset metainfo).
        dataset_meta (dict, optional): ``classes`` / ``palette`` (a checkpoint's
            ``meta.dataset_meta``); overrides the config's.
        device (str): ``'cpu'``, ``'cuda'``, ``'cuda:1'``, ...
        amp (bool): run the model under autocast (float16 on CUDA, bfloat16 on
            CPU); logits are blended in float32.
    """

    def __init__(self, model, cfg, dataset_meta=None, device='cpu', amp=False):
        self.cfg = Config.fromfile(cfg) if isinstance(cfg, str) else cfg
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.amp = amp
        self.pipeline = [TRANSFORMS.build(step)
                         for step in config_test_pipeline(self.cfg)]
        skipped = [type(t).__name__ for t in self.pipeline
                   if type(t).__name__ not in WINDOWED_STEPS]
        if skipped:
            print_log(f'large-scene inference applies only {WINDOWED_STEPS[1]} of the '
                      f'test pipeline; not applied: {skipped}', logger='current',
                      level=logging.WARNING)
        loaders = [t for t in self.pipeline if type(t).__name__ == WINDOWED_STEPS[0]]
        self.bands = loaders[0].bands if loaders else None
        self.scaling = [t for t in self.pipeline if type(t).__name__ == WINDOWED_STEPS[1]]
        self.pack = PackOpticalSARInputs(meta_keys=())
        self.num_classes = self.model.decode_head.num_classes
        self.classes, self.palette = dataset_classes_and_palette(
            self.cfg, self.num_classes, dataset_meta)
        #: files (config, checkpoint) that outputs may not replace, besides the inputs
        self.source_files = []

    @classmethod
    def from_files(cls, config, checkpoint=None, device='cpu', amp=False,
                   cfg_options=None):
        """Build the model of ``config`` without its teacher and load ``checkpoint``
        (:func:`init_optical_sar_model`).

        The checkpoint must hold exactly the model's weights (those of the
        training-only parts left out, :data:`TRAINING_ONLY_PARTS`, are ignored).
        Without a checkpoint the weights stay randomly initialised (benchmarks).
        ``cfg_options`` (dict) overrides config entries. Outputs will never replace
        the config or the checkpoint.

        Raises:
            CheckpointMismatchError: the checkpoint is of another model.
        """
        model = init_optical_sar_model(config, checkpoint, cfg_options=cfg_options)
        segmenter = cls(model, model.cfg, model.dataset_meta, device, amp)
        segmenter.source_files = [p for p in (config, checkpoint) if p is not None]
        return segmenter

    @property
    def has_cloud_removal(self):
        return getattr(self.model, 'cloud_removal_head', None) is not None

    @property
    def clear_bands(self):
        """Bands of the cloud-removed image (0 without the branch)."""
        return self.model.cloud_removal_head.out_channels if self.has_cloud_removal \
            else 0

    def _autocast(self):
        """float16 autocast on CUDA, bfloat16 elsewhere, when AMP is on."""
        if not self.amp:
            return autocast_context(self.device, 'fp32')
        return autocast_context(self.device, 'fp16' if self.device.type == 'cuda' else 'bf16')

    def _pack(self, window):
        results = dict(window.sources or {}, img=window.optical, sar=window.sar)
        for step in self.scaling:
            results = step(results)
        return self.pack(results)['inputs']

    @torch.no_grad()
    def forward_windows(self, windows, with_clear):
        """Logits (and the cloud-removed image) of equally sized windows.

        Args:
            windows (list[SceneWindow]): ``h x w`` windows.
            with_clear (bool): also return the reconstruction (needs the branch).

        Returns:
            np.ndarray: float32 ``B x (K [+ C_opt]) x h x w``: logits, then the
            cloud-removed bands when asked for.
        """
        height, width = windows[0].nodata.shape
        data = self.model.data_preprocessor(
            dict(inputs=[self._pack(w) for w in windows]), training=False)
        inputs = data['inputs']
        with self._autocast():
            if with_clear:
                outputs = torch.cat(self.model(inputs, mode='tensor'), dim=1)
            else:
                shape = tuple(inputs.shape[-2:])
                metas = [dict(img_shape=shape, pad_shape=shape)] * inputs.shape[0]
                outputs = self.model.encode_decode(inputs, metas)
        return outputs[..., :height, :width].float().cpu().numpy()

    def segment(self, optical, sar, out, window=512, overlap=128, batch_size=4,
                confidence=None, confidence_dtype='float32', clear_image=None,
                quicklook=None, quicklook_size=1024, block_size=256, gdal_cache_mb=64,
                progress=True):
        """Segment a scene and write the class map (and the optional outputs).

        Args:
            optical (str): optical GeoTIFF; its grid is the grid of every output.
            sar (str): SAR GeoTIFF in the same CRS, any resolution.
            out (str): class-map GeoTIFF (uint8, nodata 255, colour table).
            window (int): window side in pixels (shrinks to a smaller scene).
            overlap (int): overlap of neighbouring windows (blending ramp length).
            batch_size (int): windows per forward pass (from one window row).
            confidence (str, optional): max-softmax GeoTIFF.
            confidence_dtype (str): ``'float32'`` or ``'uint8'`` (percent).
            clear_image (str, optional): cloud-removed GeoTIFF (models with a
                cloud-removal head).
            quicklook (str, optional): PNG of the class map.
            quicklook_size (int): its longest side.
            block_size (int): output tile side; rows are written in whole tiles.
            gdal_cache_mb (int): GDAL block cache for reading and writing.
            progress (bool): show a progress bar (stderr).

        Returns:
            dict: scene size, windows, settings, seconds and pixels per second.

        Raises:
            RasterReadError, GridMismatchError: unreadable or mismatched inputs
                (nothing is written).
            ValueError: an output would replace an input, bad settings, or a
                cloud-removed image from a model without that branch.
        """
        if clear_image is not None and not self.has_cloud_removal:
            raise ValueError(f'{type(self.model).__name__} has no cloud-removal head; '
                             'cannot write a cloud-removed image')
        if batch_size <= 0:
            raise ValueError(f'batch_size must be positive, got {batch_size}')
        start = time.perf_counter()
        with rasterio.Env(GDAL_CACHEMAX=int(gdal_cache_mb)), \
                AtomicOutputs([optical, sar, *self.source_files]) as outputs, \
                SceneReader(optical, sar, self.bands) as reader:
            height, width = reader.height, reader.width
            rows = plan_window_rows(height, width, window, overlap)
            if not reader.sar_covers_scene:
                print_log(f'SAR raster {sar!r} does not cover all of {optical!r}; '
                          'uncovered pixels are written as nodata', logger='current',
                          level=logging.WARNING)
            grid = RasterGrid(shape=(height, width), crs=reader.optical.crs,
                              transform=reader.optical.transform)
            with SceneWriter(outputs, grid, out, self.classes, self.palette,
                             confidence_path=confidence,
                             confidence_dtype=confidence_dtype,
                             clear_path=clear_image, clear_bands=self.clear_bands,
                             quicklook_path=quicklook, quicklook_size=quicklook_size,
                             block_size=block_size) as writer:
                window_count = self._run(reader, writer, rows, overlap, batch_size,
                                         progress)
        seconds = time.perf_counter() - start
        pixels = height * width
        return dict(optical=optical, sar=sar, out=out, confidence=confidence,
                    clear_image=clear_image, quicklook=quicklook,
                    height=height, width=width, pixels=pixels,
                    windows=window_count, window=[rows[0].height, rows[0].width],
                    overlap=overlap, batch_size=batch_size, device=str(self.device),
                    amp=self.amp, seconds=seconds, pixels_per_s=pixels / seconds)

    def _run(self, reader, writer, rows, overlap, batch_size, progress):
        """Windows row by row into the accumulator; finished tile rows to ``writer``.

        Returns:
            int: number of windows run.
        """
        height, width, block = reader.height, reader.width, writer.block_size
        with_clear = writer.wants_clear
        channels = self.num_classes + (self.clear_bands if with_clear else 0)
        window_shape = (rows[0].height, rows[0].width)
        accumulator = StripAccumulator(
            channels, band_capacity(window_shape[0], block, height), width)
        total = sum(len(row.lefts) for row in rows)
        bar = ProgressBar(total, file=sys.stderr) if progress else None
        for index, row in enumerate(rows):
            for first in range(0, len(row.lefts), batch_size):
                lefts = row.lefts[first:first + batch_size]
                windows = [reader.read(row.top, left, *window_shape) for left in lefts]
                outputs = self.forward_windows(windows, with_clear)
                for left, scene_window, output in zip(lefts, windows, outputs):
                    weights = blend_weights(row.top, left, window_shape,
                                            (height, width), overlap)
                    accumulator.add(row.top, left, output, weights, scene_window.nodata)
                if bar is not None:
                    bar.update(len(lefts))
            finished = finished_until(rows, index, height, block)
            for top in range(accumulator.top, finished, RELEASE_ROWS):
                self._write_rows(accumulator, writer, top,
                                 min(top + RELEASE_ROWS, finished))
            accumulator.advance(finished)
        if bar is not None:
            bar.file.write('\n')
        return total

    def _write_rows(self, accumulator, writer, start, stop):
        blended, nodata = accumulator.averaged(start, stop)
        logits = blended[:self.num_classes]
        labels, confidence = labels_and_confidence(logits, writer.wants_confidence)
        clear = blended[self.num_classes:] if writer.wants_clear else None
        writer.write(start, labels, nodata, confidence, clear)

    @torch.no_grad()
    def predict_whole(self, optical, sar):
        """The reference: the whole scene through the config's test pipeline and one
        forward pass of the model (``test_cfg.mode='whole'``). Small scenes only.

        Returns:
            tuple[np.ndarray, np.ndarray | None]: uint8 ``H x W`` labels (nodata not
            masked) and the float32 ``C_opt x H x W`` cloud-removed image (None
            without the branch).
        """
        data = dict(img_path=optical, sar_path=sar,
                    sample_key=osp.splitext(osp.basename(optical))[0])
        for step in self.pipeline:
            data = step(data)
        batch = dict(inputs=[data['inputs']], data_samples=[data['data_samples']])
        with whole_inference_mode(self.model), self._autocast():
            sample = self.model.test_step(batch)[0]
        labels = sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)
        clear = sample.get('pred_clear_img')
        return labels, None if clear is None else clear.data.float().cpu().numpy()
