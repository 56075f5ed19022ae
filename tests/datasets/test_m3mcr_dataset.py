import os
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from mmseg_edc.datasets import M3MCRDataset

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

PIPELINE = [
    dict(type='LoadOpticalSARTile', bands=dict(optical=4, sar=2)),
    dict(type='RadiometricScale',
         ranges=dict(img=[(0, 10000)], clear_img=[(0, 10000)], sar=[(-25, 0), (-32.5, 0)])),
    dict(type='MultiModalRandomCrop', crop_size=(160, 160)),
    dict(type='PackOpticalSARInputs'),
]


def test_folder_scan_finds_the_real_samples(m3mcr_fixture_root):
    for split, key in (('train', 'fall_1_p_457'), ('test', 'summer_33_p_1')):
        dataset = M3MCRDataset(data_root=m3mcr_fixture_root, split=split)
        assert len(dataset) == 1
        info = dataset.get_data_info(0)
        assert info['sample_key'] == key
        for name in ('img_path', 'sar_path', 'clear_path', 'cloud_mask_path',
                     'seg_map_path'):
            assert os.path.isfile(info[name]), name
        assert info['img_path'].endswith(f'planet_cloudy_{key}.tif')
        assert info['cloud_mask_path'].endswith(f'cloudmask_{key}.npy')


def test_csv_split_lists_are_read_as_distributed(m3mcr_fixture_root):
    train = M3MCRDataset(data_root=m3mcr_fixture_root, split='train',
                         ann_file='one_train_sample.csv')
    assert len(train) == 8        # the published list repeats its row 8 times (CRLF)
    test = M3MCRDataset(data_root=m3mcr_fixture_root, split='test',
                        ann_file='one_test_sample.csv')
    scanned = M3MCRDataset(data_root=m3mcr_fixture_root, split='test')
    for name in ('sample_key', 'img_path', 'sar_path', 'clear_path', 'cloud_mask_path',
                 'seg_map_path'):
        assert test.get_data_info(0)[name] == scanned.get_data_info(0)[name]


def test_training_sample_through_the_pipeline(m3mcr_fixture_root):
    dataset = M3MCRDataset(data_root=m3mcr_fixture_root, split='train', pipeline=PIPELINE)
    packed = dataset[0]
    sample = packed['data_samples']
    assert packed['inputs'].shape == (6, 160, 160)
    assert 0 <= packed['inputs'].min() and packed['inputs'].max() <= 1
    assert sample.gt_sem_seg.shape == (48, 48)
    assert sample.gt_clear_img.shape == sample.gt_cloud_mask.shape == (160, 160)
    assert set(np.unique(sample.gt_sem_seg.data.numpy())) <= {0, 1, 2, 3, 4, 5, 255}


def test_class_protocols(m3mcr_fixture_root):
    six = M3MCRDataset(data_root=m3mcr_fixture_root, split='test')
    eleven = M3MCRDataset(data_root=m3mcr_fixture_root, split='test',
                          class_protocol='11class')
    assert len(six.metainfo['classes']) == len(six.metainfo['palette']) == 6
    assert len(eleven.metainfo['classes']) == 11
    lut6, lut11 = six.get_data_info(0)['label_lut'], eleven.get_data_info(0)['label_lut']
    assert [lut6[c] for c in (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100)] == \
        [0, 1, 1, 2, 3, 4, 255, 5, 5, 255, 255]
    assert [lut11[c] for c in (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100)] == list(range(11))
    with pytest.raises(ValueError, match='class_protocol'):
        M3MCRDataset(data_root=m3mcr_fixture_root, class_protocol='7class')


def test_missing_modality_names_sample_and_path(m3mcr_copy):
    missing = (m3mcr_copy / 'train' / 'S1_fall' / 'S1_fall_1' / 'S1_fall_1_p_457.tif')
    missing.unlink()
    for kwargs in (dict(), dict(ann_file='one_train_sample.csv')):
        with pytest.raises(FileNotFoundError, match=f'sample fall_1_p_457: sar file {missing}'):
            M3MCRDataset(data_root=str(m3mcr_copy), split='train', **kwargs)


def test_no_samples_names_the_pattern(tmp_path):
    (tmp_path / 'train').mkdir()
    with pytest.raises(FileNotFoundError,
                       match=r'no M3M-CR samples found: searched .*planet_cloudy_\*_p_\*\.tif'):
        M3MCRDataset(data_root=str(tmp_path), split='train')


def test_malformed_csv_names_the_line(m3mcr_copy):
    (m3mcr_copy / 'bad.csv').write_text('a.tif,b.tif,c.tif\r\n')
    with pytest.raises(ValueError, match=r'bad.csv line 1: expected 5 columns'):
        M3MCRDataset(data_root=str(m3mcr_copy), split='train', ann_file='bad.csv')


def test_sample_missing_its_cloudy_image_is_reported_in_both_modes(m3mcr_copy):
    """The scan looks in every modality folder, not only the cloudy images'."""
    cloudy = (m3mcr_copy / 'train' / 'planet_cloudy_fall' / 'planet_cloudy_fall_1' /
              'planet_cloudy_fall_1_p_457.tif')
    cloudy.unlink()
    for kwargs in (dict(), dict(ann_file='one_train_sample.csv')):
        with pytest.raises(FileNotFoundError,
                           match=f'sample fall_1_p_457: img file {cloudy} does not exist'):
            M3MCRDataset(data_root=str(m3mcr_copy), split='train', **kwargs)


def test_real_samples_pass_the_config_checks_when_built(m3mcr_fixture_root):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets/m3mcr.py'))
    for split in ('train', 'test'):
        dataset = M3MCRDataset(data_root=m3mcr_fixture_root, split=split,
                               pipeline=cfg.test_pipeline)
        assert dataset[0]['inputs'].shape == (6, 300, 300)
