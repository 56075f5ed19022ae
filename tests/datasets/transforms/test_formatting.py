import numpy as np
import torch

from mmseg_edc.datasets.transforms import PackOpticalSARInputs


def loaded_sample():
    rng = np.random.default_rng(0)
    return dict(
        img=rng.random((20, 30, 4), dtype=np.float32),
        sar=rng.random((20, 30, 2), dtype=np.float32),
        clear_img=rng.random((20, 30, 4), dtype=np.float32),
        cloud_mask=(rng.random((20, 30)) > 0.5).astype(np.uint8),
        gt_seg_map=rng.integers(0, 6, (6, 9)).astype(np.uint8),
        sample_key='k', img_path='a.tif', sar_path='b.tif',
        img_shape=(20, 30), ori_shape=(6, 9))


def test_packs_optical_then_sar_and_all_targets():
    results = loaded_sample()
    packed = PackOpticalSARInputs()(dict(results))
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.shape == (6, 20, 30) and inputs.dtype == torch.float32
    np.testing.assert_array_equal(inputs[:4].permute(1, 2, 0).numpy(), results['img'])
    np.testing.assert_array_equal(inputs[4:].permute(1, 2, 0).numpy(), results['sar'])
    assert sample.gt_sem_seg.data.shape == (1, 6, 9)
    assert sample.gt_sem_seg.data.dtype == torch.int64
    assert sample.gt_clear_img.data.shape == (4, 20, 30)
    assert sample.gt_cloud_mask.data.shape == (1, 20, 30)
    assert sample.gt_cloud_mask.data.dtype == torch.uint8
    assert sample.metainfo['ori_shape'] == (6, 9)
    assert sample.metainfo['sample_key'] == 'k'


def test_missing_optional_targets_are_left_out():
    results = loaded_sample()
    for key in ('clear_img', 'cloud_mask'):
        results.pop(key)
    sample = PackOpticalSARInputs()(results)['data_samples']
    assert 'gt_clear_img' not in sample and 'gt_cloud_mask' not in sample
    assert 'gt_sem_seg' in sample
