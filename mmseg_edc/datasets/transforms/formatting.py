"""Packing of a loaded optical-SAR sample into mmseg's ``inputs`` + ``SegDataSample``."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData
from mmseg.registry import TRANSFORMS
from mmseg.structures import SegDataSample

from mmseg_edc.structures import MODALITY_ORDER

DEFAULT_META_KEYS = ('sample_key', 'img_path', 'sar_path', 'seg_map_path', 'bands',
                     'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
                     'flip_direction', 'reduce_zero_label')


def _hwc_to_chw_tensor(array):
    if array.ndim == 2:
        array = array[..., None]
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


@TRANSFORMS.register_module()
class PackOpticalSARInputs(BaseTransform):
    """Concatenate the input modalities and attach every pixel target.

    Outputs:
        - ``inputs``: float32 tensor ``(C_opt + C_sar) x H x W``, the channel
          concatenation ``[cloudy optical; SAR]`` (``MODALITY_ORDER``). The data
          preprocessor and the segmentor select or split channels by the configured
          band counts; the counts packed here go into the metainfo as ``bands``
          (``dict(optical=C_opt, sar=C_sar)``) so the model can check them.
        - ``data_samples``: :class:`SegDataSample` with
          ``gt_sem_seg`` (int64 ``1 x h x w`` on the label grid),
          ``gt_clear_img`` (float32 ``C_opt x H x W``) and
          ``gt_cloud_mask`` (uint8 ``1 x H x W``, 1 = cloud), each only when the
          sample has it, and the metainfo listed in ``meta_keys``.

    Args:
        meta_keys (tuple[str]): keys copied into the metainfo when present.
    """

    def __init__(self, meta_keys=DEFAULT_META_KEYS):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results):
        modalities = [_hwc_to_chw_tensor(results[k].astype(np.float32, copy=False))
                      for k in ('img', 'sar')]
        inputs = torch.cat(modalities, dim=0)
        results['bands'] = {name: int(m.shape[0])
                            for name, m in zip(MODALITY_ORDER, modalities)}
        sample = SegDataSample()
        if 'gt_seg_map' in results:
            label = torch.from_numpy(results['gt_seg_map'].astype(np.int64))
            sample.gt_sem_seg = PixelData(data=label[None])
        if 'clear_img' in results:
            sample.gt_clear_img = PixelData(
                data=_hwc_to_chw_tensor(results['clear_img'].astype(np.float32)))
        if 'cloud_mask' in results:
            mask = torch.from_numpy(results['cloud_mask'].astype(np.uint8))
            sample.gt_cloud_mask = PixelData(data=mask[None])
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self):
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
