"""Hook that draws one panel per validation / test sample."""
import os.path as osp

from mmseg.engine.hooks import SegVisualizationHook
from mmseg.registry import HOOKS

from .panel import render_sample_panel


def packed_optical_bands(sample):
    """``C_opt`` of a sample's packed inputs, from its ``bands`` metainfo."""
    bands = sample.metainfo.get('bands')
    if bands is None:
        raise KeyError(f'sample {sample.metainfo.get("sample_key")!r} has no bands '
                       'metainfo; pack it with PackOpticalSARInputs')
    return bands['optical']


def displayed_inputs(data_batch):
    """The batch's packed inputs, one per sample; under test-time augmentation (a list
    of views per sample) those of the unflipped view, which the merged targets are."""
    inputs = data_batch['inputs']
    if not inputs or not isinstance(inputs[0], (list, tuple)):
        return inputs
    for view_inputs, view_samples in zip(inputs, data_batch['data_samples']):
        if not view_samples[0].metainfo.get('flip', False):
            return view_inputs
    raise ValueError('test-time augmentation without an unflipped view: start the flips '
                     'of tta_pipeline with MultiModalRandomFlip(prob=0.0)')


def _pixel_data(sample, name):
    return getattr(sample, name).data.cpu().numpy() if name in sample else None


@HOOKS.register_module()
class OpticalSARVisualizationHook(SegVisualizationHook):
    """Draw optical, SAR, cloud mask, ground truth and prediction side by side.

    mmseg's ``SegVisualizationHook`` decodes ``img_path`` as an 8-bit RGB picture,
    which 16-bit multispectral and SAR GeoTIFFs are not. This hook renders from the
    batch's packed inputs instead (see :func:`render_sample_panel`) and hands the
    panel to the visualizer, whose backends write it (``tools/test.py --show-dir``
    sets their folder) as ``<mode>_<sample_key>_<step>.png``. The band layout of
    the packed inputs comes from each sample's ``bands`` metainfo (written by
    ``PackOpticalSARInputs``), so nothing about bands is configured here.

    Args:
        rgb_bands (tuple[int]): optical bands shown as red, green, blue.
        interval (int): draw every ``interval``-th batch (1 = every sample).
        draw, show, wait_time, backend_args: as in ``SegVisualizationHook``.
    """

    def __init__(self, rgb_bands=(2, 1, 0), interval=1, draw=False, show=False,
                 wait_time=0., backend_args=None):
        super().__init__(draw=draw, interval=interval, show=show,
                         wait_time=wait_time, backend_args=backend_args)
        self.rgb_bands = tuple(rgb_bands)

    def _after_iter(self, runner, batch_idx, data_batch, outputs, mode='val'):
        if not self.draw or mode == 'train':
            return
        if not self.every_n_inner_iters(batch_idx, self.interval):
            return
        palette = self._visualizer.dataset_meta['palette']
        for inputs, sample in zip(displayed_inputs(data_batch), outputs):
            mask = _pixel_data(sample, 'gt_cloud_mask')
            gt = _pixel_data(sample, 'gt_sem_seg')
            pred = _pixel_data(sample, 'pred_sem_seg')
            clear = _pixel_data(sample, 'pred_clear_img')
            panel = render_sample_panel(
                inputs.cpu().numpy(), palette, packed_optical_bands(sample),
                self.rgb_bands,
                gt_labels=None if gt is None else gt[0],
                pred_labels=None if pred is None else pred[0],
                cloud_mask=None if mask is None else mask[0],
                clear_pred=clear)
            key = sample.metainfo.get('sample_key') or osp.splitext(
                osp.basename(sample.img_path))[0]
            name = f'{mode}_{key}'
            if self.show:
                self._visualizer.show(panel, win_name=name,
                                      wait_time=self.wait_time)
            self._visualizer.add_image(name, panel, step=runner.iter)
