"""Geometric transforms shared by every modality, the label and the cloud mask.

Each transform draws its randomness once per sample and applies the same geometry to
every array listed in ``results['image_fields']`` (optical, SAR, cloud-free optical,
cloud mask: all on the optical grid, ``H x W [x C]``) and ``results['seg_fields']``
(the label, on its own, possibly coarser grid ``h x w``). Both grids cover the same
footprint, so a flip or a 90-degree rotation keeps them aligned as they are; a crop
must start and end on pixel edges that both grids share (see
:class:`MultiModalRandomCrop`).

None of these transforms changes values: no interpolation, no photometric change.
Each declares ``handles_image_fields = True``, which the dataset's pipeline check
(:mod:`.pipeline_guard`) looks for before accepting a geometric transform.
"""
from math import gcd

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS


def _label_grid_shape(results):
    """Shape ``(h, w)`` of the label grid, or the image grid when there is no label."""
    for key in results.get('seg_fields', []):
        return results[key].shape[:2]
    return results['img'].shape[:2]


def _apply_to_all_fields(results, fn):
    for key in list(results.get('image_fields', [])) + list(
            results.get('seg_fields', [])):
        results[key] = np.ascontiguousarray(fn(results[key]))
    results['img_shape'] = results['img'].shape[:2]


@TRANSFORMS.register_module()
class MultiModalRandomCrop(BaseTransform):
    """Random crop that keeps a coarser label grid aligned with the image grid.

    With an image grid of ``H`` pixels and a label grid of ``h`` pixels over the same
    footprint, a crop edge falls on a label pixel edge only at image offsets that are
    multiples of ``H / gcd(H, h)`` (M3M-CR: 300 and 90 give 10 px, i.e. 30 m). The crop
    offset is drawn on that lattice and the label is cropped by the matching label-grid
    window (a 160 px crop at 3 m is a 48 px label crop at 10 m).

    Args:
        crop_size (int | tuple[int, int]): ``(height, width)`` of the crop on the image
            grid. Each side must map to a whole number of label pixels. An image smaller
            than the crop is left whole along that side.

    Required keys: ``img``, ``image_fields``, ``seg_fields`` and their arrays.
    Modified keys: every array in ``image_fields`` and ``seg_fields``, ``img_shape``.
    Added keys: ``crop_bbox`` (``y0, y1, x0, x1`` on the image grid).
    """

    handles_image_fields = True

    def __init__(self, crop_size):
        if isinstance(crop_size, int):
            crop_size = (crop_size, crop_size)
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError(f'crop_size must be two positive ints, got {crop_size}')
        self.crop_size = tuple(int(s) for s in crop_size)

    @staticmethod
    def _aligned_window(image_len, label_len, crop_len, sample_key):
        """Lattice step (image px) and label-grid length of a crop along one axis."""
        step = image_len // gcd(image_len, label_len)
        crop_len = min(crop_len, image_len)
        label_crop = crop_len * label_len / image_len
        if label_crop != int(label_crop):
            raise ValueError(
                f'sample {sample_key!r}: a crop of {crop_len} px on a {image_len} px '
                f'image grid covers {label_crop:g} px of the {label_len} px label grid; '
                f'choose a crop size that is a multiple of {step} px.')
        return step, crop_len, int(label_crop)

    @cache_randomness
    def _draw_offsets(self, lattice_sizes):
        """One lattice index per axis, ``lattice_sizes`` = number of valid offsets."""
        return tuple(int(np.random.randint(0, n)) for n in lattice_sizes)

    def transform(self, results):
        image_shape = results['img'].shape[:2]
        label_shape = _label_grid_shape(results)
        key = results.get('sample_key')
        axes = [
            self._aligned_window(image_shape[axis], label_shape[axis],
                                 self.crop_size[axis], key) for axis in range(2)
        ]
        lattice_indices = self._draw_offsets(
            [(image_shape[axis] - crop_len) // step + 1
             for axis, (step, crop_len, _) in enumerate(axes)])
        windows = []
        for axis, ((step, crop_len, label_crop), index) in enumerate(
                zip(axes, lattice_indices)):
            start = index * step
            label_start = start * label_shape[axis] // image_shape[axis]
            windows.append((start, crop_len, label_start, label_crop))
        (y0, ch, ly0, lch), (x0, cw, lx0, lcw) = windows
        for field in results.get('image_fields', []):
            results[field] = results[field][y0:y0 + ch, x0:x0 + cw]
        for field in results.get('seg_fields', []):
            results[field] = results[field][ly0:ly0 + lch, lx0:lx0 + lcw]
        results['img_shape'] = (ch, cw)
        results['crop_bbox'] = (y0, y0 + ch, x0, x0 + cw)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(crop_size={self.crop_size})'


@TRANSFORMS.register_module()
class MultiModalRandomFlip(BaseTransform):
    """Flip every modality, the label and the mask together.

    Args:
        prob (float): probability of flipping.
        direction (str | list[str]): ``'horizontal'``, ``'vertical'`` or a list from
            which one direction is drawn per flipped sample.

    Added keys: ``flip`` (bool) and ``flip_direction`` (str or None), as mmseg's
    ``RandomFlip`` writes them.
    """

    _AXIS = dict(horizontal=1, vertical=0)

    handles_image_fields = True

    def __init__(self, prob=0.5, direction='horizontal'):
        directions = [direction] if isinstance(direction, str) else list(direction)
        unknown = [d for d in directions if d not in self._AXIS]
        if unknown or not directions:
            raise ValueError(f'direction must be from {list(self._AXIS)}, got {direction}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.directions = directions

    @cache_randomness
    def _draw_direction(self):
        if np.random.rand() >= self.prob:
            return None
        return self.directions[np.random.randint(len(self.directions))]

    def transform(self, results):
        direction = self._draw_direction()
        results['flip'] = direction is not None
        results['flip_direction'] = direction
        if direction is not None:
            axis = self._AXIS[direction]
            _apply_to_all_fields(results, lambda a: np.flip(a, axis=axis))
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'direction={self.directions})')


@TRANSFORMS.register_module()
class MultiModalRandomRotate90(BaseTransform):
    """Rotate every modality, the label and the mask by the same multiple of 90 degrees.

    Args:
        prob (float): probability of rotating; a rotated sample turns by 90, 180 or
            270 degrees counter-clockwise with equal chance.

    Added keys: ``rotate90_k`` (0 to 3, quarter turns applied).
    """

    handles_image_fields = True

    def __init__(self, prob=0.5):
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob

    @cache_randomness
    def _draw_quarter_turns(self):
        if np.random.rand() >= self.prob:
            return 0
        return int(np.random.randint(1, 4))

    def transform(self, results):
        k = self._draw_quarter_turns()
        results['rotate90_k'] = k
        if k:
            _apply_to_all_fields(results, lambda a: np.rot90(a, k=k, axes=(0, 1)))
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(prob={self.prob})'
