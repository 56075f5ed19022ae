"""Shared geometry: a marker planted in every modality lands in the same place."""
import numpy as np
import pytest
from mmcv.transforms import Compose

from mmseg_edc.datasets.transforms import (MultiModalRandomCrop,
                                           MultiModalRandomFlip,
                                           MultiModalRandomRotate90)

IMAGE, LABEL = 300, 90          # M3M-CR: 3 m optical over a 10 m label grid
BLOCK, LABEL_BLOCK = 10, 3      # one shared-edge cell: 10 image px = 3 label px


def marked_sample(cell_row, cell_col, image_shape=(IMAGE, IMAGE),
                  label_shape=(LABEL, LABEL)):
    """A sample whose every array carries one marker over lattice cell (row, col)."""
    h, w = image_shape
    lh, lw = label_shape
    step_y, step_x = h // np.gcd(h, lh), w // np.gcd(w, lw)
    lstep_y, lstep_x = lh // np.gcd(h, lh), lw // np.gcd(w, lw)
    y, x = cell_row * step_y, cell_col * step_x
    ly, lx = cell_row * lstep_y, cell_col * lstep_x
    results = dict(
        img=np.zeros((h, w, 4), np.float32), sar=np.zeros((h, w, 2), np.float32),
        clear_img=np.zeros((h, w, 4), np.float32),
        cloud_mask=np.zeros((h, w), np.uint8),
        gt_seg_map=np.zeros((lh, lw), np.uint8),
        image_fields=['img', 'sar', 'clear_img', 'cloud_mask'],
        seg_fields=['gt_seg_map'], img_shape=(h, w), sample_key='marker')
    for key in results['image_fields']:
        results[key][y:y + step_y, x:x + step_x] = 1
    results['gt_seg_map'][ly:ly + lstep_y, lx:lx + lstep_x] = 1
    return results


def marker_box(array):
    rows, cols = np.nonzero(array if array.ndim == 2 else array[..., 0])
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


def assert_markers_aligned(results):
    label = results['gt_seg_map']
    h, w = results['img'].shape[:2]
    lh, lw = label.shape
    ly0, ly1, lx0, lx1 = marker_box(label)
    expected = (ly0 * h // lh, ly1 * h // lh, lx0 * w // lw, lx1 * w // lw)
    for key in results['image_fields']:
        arr = results[key]
        assert arr.shape[:2] == (h, w), key
        assert marker_box(arr) == expected, key
        assert arr.sum() == np.prod([expected[1] - expected[0],
                                     expected[3] - expected[2]]) * (
                                         arr.shape[2] if arr.ndim == 3 else 1)
    assert results['img_shape'] == (h, w)


@pytest.mark.parametrize('seed', range(6))
def test_crop_keeps_label_grid_aligned(seed):
    np.random.seed(seed)
    results = marked_sample(7, 8)
    crop = MultiModalRandomCrop(crop_size=(160, 160))
    while True:  # draw until the marker cell is inside the crop
        out = crop(marked_sample(7, 8))
        if out['gt_seg_map'].any():
            break
    assert out['img'].shape == (160, 160, 4)
    assert out['gt_seg_map'].shape == (48, 48)
    y0, _, x0, _ = out['crop_bbox']
    assert y0 % 10 == 0 and x0 % 10 == 0
    assert_markers_aligned(out)
    del results


def test_crop_rejects_sizes_off_the_shared_lattice():
    crop = MultiModalRandomCrop(crop_size=(155, 160))
    with pytest.raises(ValueError, match='multiple of 10 px'):
        crop(marked_sample(1, 1))


def test_crop_larger_than_image_keeps_whole_image():
    out = MultiModalRandomCrop(crop_size=400)(marked_sample(2, 3))
    assert out['img'].shape[:2] == (300, 300)
    assert out['gt_seg_map'].shape == (90, 90)
    assert_markers_aligned(out)


@pytest.mark.parametrize('direction', ['horizontal', 'vertical'])
def test_flip_moves_every_modality_together(direction):
    out = MultiModalRandomFlip(prob=1.0, direction=direction)(marked_sample(2, 5))
    assert out['flip'] and out['flip_direction'] == direction
    assert_markers_aligned(out)
    ly0, _, lx0, _ = marker_box(out['gt_seg_map'])
    if direction == 'horizontal':
        assert (ly0, lx0) == (6, 90 - 18)
    else:
        assert (ly0, lx0) == (90 - 9, 15)


def test_rotate90_on_non_square_sample():
    np.random.seed(3)
    results = marked_sample(1, 4, image_shape=(200, 300), label_shape=(60, 90))
    out = MultiModalRandomRotate90(prob=1.0)(results)
    k = out['rotate90_k']
    assert k in (1, 2, 3)
    expected_shape = (200, 300) if k == 2 else (300, 200)
    assert out['img'].shape[:2] == expected_shape
    assert out['gt_seg_map'].shape == tuple(s * 3 // 10 for s in expected_shape)
    assert_markers_aligned(out)


def test_chain_of_all_transforms_keeps_alignment():
    pipeline = Compose([
        MultiModalRandomCrop(crop_size=(160, 160)),
        MultiModalRandomFlip(prob=0.5, direction=['horizontal', 'vertical']),
        MultiModalRandomRotate90(prob=0.5),
    ])
    np.random.seed(0)
    checked = 0
    for _ in range(40):
        out = pipeline(marked_sample(10, 12))
        if out['gt_seg_map'].any():
            assert_markers_aligned(out)
            checked += 1
    assert checked > 5


def test_no_op_probabilities_leave_arrays_untouched():
    results = marked_sample(3, 3)
    before = {k: results[k].copy() for k in results['image_fields']}
    out = MultiModalRandomRotate90(prob=0.0)(MultiModalRandomFlip(prob=0.0)(results))
    assert not out['flip'] and out['rotate90_k'] == 0
    for key, value in before.items():
        np.testing.assert_array_equal(out[key], value)
