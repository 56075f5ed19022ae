"""Segmentation metrics over all, cloud-free and cloudy pixels."""
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.logging import print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from PIL import Image
from prettytable import PrettyTable

from .cloud_removal_metric import CloudRemovalMetric
from .pixel_fields import cloud_mask_to_grid, sample_name, single_channel

#: Pixel subsets in reporting order: every labelled pixel, cloud-free pixels
#: (mask == 0) and cloudy pixels (mask == 1).
SUBSETS = ('all', 'clear', 'cloudy')


@METRICS.register_module()
class CloudAwareIoUMetric(IoUMetric):
    """mmseg's IoU metric reported over all, cloud-free and cloudy pixels.

    For every data sample the intersection / union / prediction / label areas
    (per class, ``ignore_index`` pixels excluded) are accumulated over three
    pixel subsets:

    - ``all``: every labelled pixel of every sample;
    - ``clear``: pixels whose cloud mask is 0;
    - ``cloudy``: pixels whose cloud mask is 1.

    The cloud mask (``gt_cloud_mask``, ``1 x H x W`` on the image grid) is taken
    to the label grid (``1 x h x w``) by nearest-neighbour sampling when the
    shapes differ. A sample without ``gt_cloud_mask`` counts only towards
    ``all``; ``clear``/``cloudy`` then cover the samples that had a mask, and
    are left out of the results when no sample had one.

    Per subset the metrics are aAcc (overall accuracy, OA), mIoU, mAcc, FWIoU
    (frequency-weighted IoU, ``sum_c freq_c * IoU_c`` with ``freq_c`` the
    class's share of the labelled pixels; a class with no pixels in label and
    prediction has NaN IoU and contributes 0), per-class IoU, and mDice /
    mFscore / mPrecision / mRecall when asked for in ``iou_metrics``. Values are
    in percent, rounded to 2 decimals as in ``IoUMetric``.

    Result keys: plain names for ``all`` (``'mIoU'``, ``'aAcc'``, ``'mAcc'``,
    ``'FWIoU'``, ``'IoU.<class>'``), so ``save_best='mIoU'`` works as with
    ``IoUMetric``; the subset name and a dot in front otherwise
    (``'clear.mIoU'``, ``'cloudy.aAcc'``, ``'cloudy.IoU.<class>'``); the
    cloud-removal values under the prefix of their metric (``'cr/PSNR'``,
    ``'cr/SSIM'``, ``'cr/cloudy.PSNR'``, ...), as a separate
    ``CloudRemovalMetric`` would report them. One per-class table per subset and
    a summary table (rows all / clear / cloudy) go to the current logger.

    Args:
        ignore_index (int): label value left out of every subset. Default 255.
        iou_metrics (list[str]): metrics besides mIoU, mAcc, aAcc and FWIoU
            (which are always reported): any of ``'mDice'``, ``'mFscore'``.
            ``'mIoU'`` may be listed and changes nothing.
        nan_to_num (int, optional): replaces NaN per-class values, as in
            ``IoUMetric``.
        beta (int): F-score beta, as in ``IoUMetric``.
        collect_device (str): ``'cpu'`` or ``'gpu'``, as in ``IoUMetric``.
        output_dir (str, optional): when set, every prediction is written to
            ``<output_dir>/<name>.png`` as a uint8 class-id map on the label grid,
            ``<name>`` being the sample's ``sample_key`` (the ``img_path``
            basename when the metainfo has no ``sample_key``).
        format_only (bool): only write predictions (requires ``output_dir``);
            no ground truth is read and no metric is computed.
        prefix (str, optional): mmengine metric prefix (``'<prefix>/<key>'``).
            Default None, so keys read as above.
        cloud_removal (dict, optional): keyword arguments of a
            :class:`CloudRemovalMetric` (``data_range``, ``cloud_subsets``,
            ``eps``, ``prefix``) that also scores the predicted cloud-free
            image; ``dict()`` takes its defaults. Default None: segmentation only.
            Not used with ``format_only``.
    """

    def __init__(self,
                 ignore_index: int = 255,
                 iou_metrics: Union[str, Sequence[str]] = ('mIoU',),
                 nan_to_num: Optional[int] = None,
                 beta: int = 1,
                 collect_device: str = 'cpu',
                 output_dir: Optional[str] = None,
                 format_only: bool = False,
                 prefix: Optional[str] = None,
                 cloud_removal: Optional[dict] = None,
                 **kwargs) -> None:
        if format_only and output_dir is None:
            raise ValueError('CloudAwareIoUMetric: format_only=True writes the '
                             'predictions and needs output_dir, got None')
        if isinstance(iou_metrics, str):
            iou_metrics = [iou_metrics]
        extra = [m for m in iou_metrics if m != 'mIoU']
        super().__init__(ignore_index=ignore_index, iou_metrics=['mIoU'] + extra,
                         nan_to_num=nan_to_num, beta=beta,
                         collect_device=collect_device, output_dir=output_dir,
                         format_only=format_only, prefix=prefix, **kwargs)
        self.cloud_removal = None if cloud_removal is None else CloudRemovalMetric(
            collect_device=collect_device, **cloud_removal)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Accumulate the per-subset areas of a batch.

        Args:
            data_batch (dict): unused.
            data_samples (Sequence[dict]): data samples in dict form, each with
                ``pred_sem_seg.data`` (1, h, w), ``gt_sem_seg.data`` (1, h, w)
                and optionally ``gt_cloud_mask.data`` (1, H, W), 1 = cloud; with
                ``cloud_removal`` also ``pred_clear_img.data`` and
                ``gt_clear_img.data`` (C, H, W).

        Each result appended to ``self.results`` is a dict mapping a subset name
        to the ``(intersect, union, pred, label)`` area tuple of
        ``IoUMetric.intersect_and_union`` (four ``num_classes`` tensors), or to
        None for ``clear``/``cloudy`` when the sample has no cloud mask; with
        ``cloud_removal``, key ``'cloud_removal'`` holds the sample's
        :meth:`CloudRemovalMetric.image_metrics`.
        """
        num_classes = len(self.dataset_meta['classes'])
        for data_sample in data_samples:
            pred = single_channel(data_sample['pred_sem_seg']['data'],
                                  'pred_sem_seg', data_sample)
            if not self.format_only:
                result = self._subset_areas(pred, data_sample, num_classes)
                if self.cloud_removal is not None:
                    result['cloud_removal'] = self.cloud_removal.image_metrics(
                        data_sample)
                self.results.append(result)
            if self.output_dir is not None:
                self._save_prediction(pred, data_sample)

    def _subset_areas(self, pred: torch.Tensor, data_sample: dict,
                      num_classes: int) -> Dict[str, Optional[tuple]]:
        """Areas of one ``h x w`` prediction over each pixel subset."""
        label = single_channel(data_sample['gt_sem_seg']['data'], 'gt_sem_seg',
                               data_sample).to(pred)
        if label.shape != pred.shape:
            raise ValueError(
                f'sample {sample_name(data_sample)}: pred_sem_seg has shape '
                f'{tuple(pred.shape)} but gt_sem_seg has {tuple(label.shape)}; '
                'predictions must be on the label grid')
        areas = dict(all=self.intersect_and_union(pred, label, num_classes,
                                                  self.ignore_index),
                     clear=None, cloudy=None)
        if data_sample.get('gt_cloud_mask') is not None:
            mask = single_channel(data_sample['gt_cloud_mask']['data'],
                                  'gt_cloud_mask', data_sample)
            cloudy = cloud_mask_to_grid(mask.to(label.device), label.shape)
            for subset, pixels in (('clear', ~cloudy), ('cloudy', cloudy)):
                areas[subset] = self.intersect_and_union(
                    pred[pixels], label[pixels], num_classes, self.ignore_index)
        return areas

    def _save_prediction(self, pred: torch.Tensor, data_sample: dict) -> None:
        """Write an ``h x w`` prediction as ``<output_dir>/<name>.png`` (uint8)."""
        output = pred.cpu().numpy()
        if data_sample.get('reduce_zero_label', False):
            output = output + 1
        png_path = osp.abspath(
            osp.join(self.output_dir, f'{sample_name(data_sample)}.png'))
        Image.fromarray(output.astype(np.uint8)).save(png_path)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Metrics of every subset that received areas (see the class doc).

        Args:
            results (list[dict]): per-sample subset areas from :meth:`process`.

        Returns:
            dict[str, float]: metric name -> value in percent (cloud-removal
            values in their own units, see :class:`CloudRemovalMetric`).
        """
        if self.format_only:
            print_log(f'predictions are saved to {self.output_dir}', 'current')
            return OrderedDict()
        class_names = self.dataset_meta['classes']
        metrics = OrderedDict()
        summary = PrettyTable(
            ['Subset', 'Images', 'Pixels', 'mIoU', 'OA', 'mAcc', 'FWIoU'])
        for subset in SUBSETS:
            subset_areas = [r[subset] for r in results if r[subset] is not None]
            if not subset_areas:
                continue
            # float64 so that values round to exactly 2 decimals
            intersect, union, pred_area, label_area = (
                sum(areas).double() for areas in zip(*subset_areas))
            per_class = self.total_area_to_metrics(
                intersect, union, pred_area, label_area, self.metrics,
                self.nan_to_num, self.beta)
            key_prefix = '' if subset == 'all' else f'{subset}.'
            values = self._summarise(per_class, intersect, union, label_area)
            for name, value in values.items():
                metrics[key_prefix + name] = value
            for name, iou in zip(class_names, per_class['IoU']):
                metrics[f'{key_prefix}IoU.{name}'] = float(np.round(iou * 100, 2))
            summary.add_row([subset, len(subset_areas), int(label_area.sum()),
                             values['mIoU'], values['aAcc'], values['mAcc'],
                             values['FWIoU']])
            self._log_class_table(subset, class_names, per_class)
        print_log('summary over pixel subsets (percent; Pixels = labelled '
                  'pixels):', 'current')
        print_log('\n' + summary.get_string(), 'current')
        if self.cloud_removal is not None:
            image_results = self.cloud_removal.compute_metrics(
                [r['cloud_removal'] for r in results])
            metrics.update((f'{self.cloud_removal.prefix}/{name}', value)
                           for name, value in image_results.items())
        return metrics

    @staticmethod
    def _summarise(per_class: Dict[str, np.ndarray], intersect: torch.Tensor,
                   union: torch.Tensor, label_area: torch.Tensor) -> Dict[str, float]:
        """aAcc, the class means (mIoU, mAcc, ...) and FWIoU in percent.

        Args:
            per_class: output of ``IoUMetric.total_area_to_metrics``.
            intersect, union, label_area: ``num_classes`` area tensors.
        """
        values = OrderedDict()
        for name, value in per_class.items():
            key = name if name == 'aAcc' else 'm' + name
            values[key] = float(np.round(np.nanmean(value) * 100, 2))
        # A labelled class has a non-empty union, so its IoU is finite; classes
        # without label pixels have frequency 0 and are left out of the sum.
        labelled = label_area > 0
        fwiou = (label_area[labelled] * intersect[labelled] /
                 union[labelled]).sum() / label_area.sum()
        values['FWIoU'] = float(np.round(fwiou.item() * 100, 2))
        return values

    @staticmethod
    def _log_class_table(subset: str, class_names: Sequence[str],
                         per_class: Dict[str, np.ndarray]) -> None:
        """Print the per-class values (percent) of one subset, as IoUMetric does."""
        table = PrettyTable()
        table.add_column('Class', list(class_names))
        for name, value in per_class.items():
            if name != 'aAcc':
                table.add_column(name, np.round(value * 100, 2).tolist())
        print_log(f'per class results ({subset} pixels):', 'current')
        print_log('\n' + table.get_string(), 'current')
