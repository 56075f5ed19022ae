"""Sizes and masks of a batch as the data preprocessor padded it, read from metainfo."""
from typing import Optional, Sequence, Tuple

import torch
from mmseg.utils import SampleList
from torch import Tensor


def decoded_size(metainfo: dict) -> Optional[Tuple[int, int]]:
    """The ``(H, W)`` a head should decode to for one sample's metainfo.

    Follows mmseg's ``BaseDecodeHead.predict_by_feat``: a ``torch.Size`` ``img_shape``
    marks a slide-inference window (decode to the window), otherwise the padded batch
    size ``pad_shape``, otherwise ``img_shape``. None when neither key is present.
    """
    img_shape = metainfo.get('img_shape')
    if isinstance(img_shape, torch.Size):
        return tuple(img_shape)
    if 'pad_shape' in metainfo:
        return tuple(metainfo['pad_shape'][:2])
    return None if img_shape is None else tuple(img_shape[:2])


def padding_valid_mask(batch_data_samples: SampleList, size: Sequence[int],
                       device=None) -> Tensor:
    """1 on the image, 0 on the border the data preprocessor padded.

    Reads ``padding_size`` (``[left, right, top, bottom]`` in pixels of the padded
    batch, as mmseg's ``stack_batch`` writes it) from every sample's metainfo; a sample
    without it counts as unpadded.

    Args:
        batch_data_samples (list[SegDataSample]): the batch.
        size (Sequence[int]): ``(H, W)`` of the padded batch.
        device: device of the mask.

    Returns:
        Tensor: ``B x 1 x H x W`` float mask.
    """
    height, width = size
    mask = torch.ones(len(batch_data_samples), 1, height, width, device=device)
    for i, sample in enumerate(batch_data_samples):
        left, right, top, bottom = sample.metainfo.get('padding_size', (0, 0, 0, 0))
        mask[i, :, :top] = 0
        mask[i, :, height - bottom:] = 0
        mask[i, :, :, :left] = 0
        mask[i, :, :, width - right:] = 0
    return mask
