"""Per-sample pixel fields as the metrics read them: names, channel axes, cloud masks."""
import os.path as osp
from typing import Tuple

import torch
import torch.nn.functional as F


def sample_name(data_sample: dict) -> str:
    """Name of a sample for messages and file names: ``sample_key``, else the
    ``img_path`` basename without extension, else ``'<unnamed sample>'``."""
    if data_sample.get('sample_key') is not None:
        return str(data_sample['sample_key'])
    if data_sample.get('img_path') is not None:
        return osp.splitext(osp.basename(data_sample['img_path']))[0]
    return '<unnamed sample>'


def single_channel(data: torch.Tensor, field: str, data_sample: dict) -> torch.Tensor:
    """Drop the channel axis of a ``1 x H x W`` pixel field, giving ``H x W``."""
    if data.ndim != 3 or data.shape[0] != 1:
        raise ValueError(
            f'{field} of sample {sample_name(data_sample)} must have shape '
            f'(1, H, W), got {tuple(data.shape)}')
    return data[0]


def cloud_mask_to_grid(mask: torch.Tensor, shape: Tuple[int, int]) -> torch.Tensor:
    """Take a cloud mask to another pixel grid by nearest-neighbour sampling.

    Args:
        mask (Tensor): ``H x W`` cloud mask, non-zero = cloud (any dtype).
        shape (tuple[int, int]): target grid ``(h, w)``.

    Returns:
        Tensor: ``h x w`` bool, True = cloud. Target pixel ``(i, j)`` takes the
        source pixel ``(floor(i * H / h), floor(j * W / w))``
        (``torch.nn.functional.interpolate`` with ``mode='nearest'``).
    """
    if tuple(mask.shape) != tuple(shape):
        mask = F.interpolate(mask[None, None].float(), size=tuple(shape),
                             mode='nearest')[0, 0]
    return mask != 0


def label_window_side(metainfo: dict, crop: int) -> int:
    """Side of the label-grid window under the top-left ``crop x crop`` input window
    of a sample whose ``img_shape`` is the input grid and ``ori_shape`` the label grid.

    Raises:
        ValueError: the window exceeds the input, or does not cover whole label pixels
            (naming the sample).
    """
    image_side, label_side = metainfo['img_shape'][0], metainfo['ori_shape'][0]
    name = sample_name(metainfo)
    if crop > min(metainfo['img_shape']):
        raise ValueError(f'sample {name}: --crop {crop} exceeds its input size '
                         f'{tuple(metainfo["img_shape"])}')
    labels = crop * label_side / image_side
    if abs(labels - round(labels)) > 1e-6:
        raise ValueError(f'sample {name}: --crop {crop} input pixels cover '
                         f'{labels:.3f} label pixels (input {image_side}, label grid '
                         f'{label_side}); choose a crop covering whole label pixels')
    return round(labels)
