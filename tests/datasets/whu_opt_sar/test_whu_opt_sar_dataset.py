import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import DATASETS

from mmseg_edc.datasets import WHUOptSARDataset

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
RANGES = dict(img=[(0, 255)], clear_img=[(0, 255)], sar=[(0, 255)])


def real_pipeline(crop):
    return [dict(type='LoadOpticalSARTile', bands=dict(optical=4, sar=1)),
            dict(type='RadiometricScale', ranges=RANGES),
            dict(type='MultiModalRandomCrop', crop_size=crop),
            dict(type='PackOpticalSARInputs')]


@pytest.fixture
def hwc(whu_scenes):
    """``hwc(path)``: the ``H x W x C`` pixels of a tile file."""
    return lambda path: whu_scenes.read_tiff(path).transpose(1, 2, 0)


def test_reads_converted_tiles_through_the_real_pipeline(converted):
    dataset = WHUOptSARDataset(data_root=converted['out_dir'], split='val',
                               pipeline=real_pipeline(64))
    assert len(dataset) == converted['tiles']['val']
    assert dataset.metainfo['classes'][0] == 'farmland'
    assert dataset.metainfo['palette'][1] == [255, 0, 0]              # city
    packed = dataset[0]
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.shape == (5, 64, 64) and inputs.dtype == torch.float32
    assert 0 <= float(inputs.min()) and float(inputs.max()) <= 1
    assert sample.gt_sem_seg.data.shape == (1, 64, 64)
    assert sample.gt_clear_img.data.shape == (4, 64, 64)
    assert sample.gt_cloud_mask.data.shape == (1, 64, 64)
    assert sample.metainfo['sample_key'] == dataset.get_data_info(0)['sample_key']


def test_packed_values_are_the_saved_tiles_scaled(converted, hwc):
    dataset = WHUOptSARDataset(data_root=converted['out_dir'], split='test',
                               pipeline=real_pipeline(100))
    info = dataset.get_data_info(2)
    packed = dataset[2]
    inputs = packed['inputs'].permute(1, 2, 0).numpy()
    sample = packed['data_samples']
    np.testing.assert_allclose(inputs[..., :4], hwc(info['img_path']) / 255, atol=1e-6)
    np.testing.assert_allclose(inputs[..., 4:], hwc(info['sar_path']) / 255, atol=1e-6)
    np.testing.assert_allclose(sample.gt_clear_img.data.permute(1, 2, 0).numpy(),
                               hwc(info['clear_path']) / 255, atol=1e-6)
    np.testing.assert_array_equal(sample.gt_cloud_mask.data[0].numpy(),
                                  hwc(info['cloud_mask_path'])[..., 0])


@pytest.mark.parametrize('protocol, expected', [
    ('7class', {0: 255, 10: 0, 20: 1, 30: 2, 40: 3, 50: 4, 60: 5, 70: 6}),
    ('8class', {0: 0, 10: 1, 20: 2, 30: 3, 40: 4, 50: 5, 60: 6, 70: 7}),
])
def test_class_protocols_map_the_raw_codes(converted, hwc, protocol, expected):
    dataset = WHUOptSARDataset(data_root=converted['out_dir'], split='train',
                               class_protocol=protocol, pipeline=real_pipeline(100))
    assert len(dataset.metainfo['classes']) == len(dataset.metainfo['palette']) == (
        7 if protocol == '7class' else 8)
    codes = hwc(dataset.get_data_info(0)['seg_map_path'])[..., 0]
    labels = dataset[0]['data_samples'].gt_sem_seg.data[0].numpy()
    assert set(np.unique(codes)) == set(expected)
    for code, index in expected.items():
        assert (labels[codes == code] == index).all()


def test_padding_is_ignored_in_both_protocols(converted):
    lut = {p: WHUOptSARDataset(data_root=converted['out_dir'], split='test',
                               class_protocol=p).label_lut for p in ('7class', '8class')}
    assert lut['7class'][255] == lut['8class'][255] == 255


def test_unlabelled_and_argument_errors(converted):
    dataset = WHUOptSARDataset(data_root=converted['out_dir'], split='test',
                               with_label=False)
    assert 'seg_map_path' not in dataset.get_data_info(0)
    with pytest.raises(ValueError, match=r"one of \('train', 'val', 'test'\), got 'valid"):
        WHUOptSARDataset(data_root=converted['out_dir'], split='validation')
    with pytest.raises(ValueError, match="class_protocol must be one of .*'6class'"):
        WHUOptSARDataset(data_root=converted['out_dir'], class_protocol='6class')


def test_dataset_config_builds_on_converted_tiles(converted):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets/whu_opt_sar.py'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset_cfg = cfg[loader].dataset
        dataset_cfg.data_root = converted['out_dir']
        dataset = DATASETS.build(dataset_cfg)
        assert len(dataset) == converted['tiles'][dataset.split]
        packed = dataset[0]
        assert packed['inputs'].shape == (5, 100, 100)      # 256 crop: tile kept whole
        assert 'gt_cloud_mask' in packed['data_samples']
