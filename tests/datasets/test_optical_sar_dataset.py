import numpy as np
import pytest

from mmseg_edc.datasets import OpticalSARSegDataset, SampleFilesError

MODALITIES = dict(
    img=dict(folder='s2_cloudy', suffix='.tif'),
    sar=dict(folder='s1', suffix='_sar.tif'),
    clear=dict(folder='s2', suffix='.tif'),
    cloud_mask=dict(folder='mask', suffix='.npy'),
    seg_map=dict(folder='label', suffix='.tif'))
METAINFO = dict(classes=('water', 'land', 'urban'))


def make_layout(root, writer, keys=('a_1', 'b_2', 'c_3'), bands=13):
    for i, key in enumerate(keys):
        writer(root / 's2_cloudy' / f'{key}.tif', np.full((16, 16, bands), i, np.uint16))
        writer(root / 's2' / f'{key}.tif', np.full((16, 16, bands), i, np.uint16))
        writer(root / 's1' / f'{key}_sar.tif', np.full((16, 16, 2), -10.0, np.float32))
        writer(root / 'label' / f'{key}.tif', np.full((16, 16), 10 * i, np.uint8))
        (root / 'mask').mkdir(exist_ok=True)
        np.save(root / 'mask' / f'{key}.npy', np.zeros((16, 16), bool))


def test_folder_scan_and_split_file(tmp_path, geotiff_writer):
    make_layout(tmp_path, geotiff_writer)
    scanned = OpticalSARSegDataset(data_root=str(tmp_path), modalities=MODALITIES,
                                   metainfo=METAINFO)
    assert [scanned.get_data_info(i)['sample_key'] for i in range(3)] == ['a_1', 'b_2', 'c_3']
    (tmp_path / 'val.txt').write_bytes(b'c_3\r\na_1\r\n\r\n')
    split = OpticalSARSegDataset(data_root=str(tmp_path), modalities=MODALITIES,
                                 split_file='val.txt', metainfo=METAINFO)
    assert [split.get_data_info(i)['sample_key'] for i in range(2)] == ['c_3', 'a_1']
    assert split.get_data_info(0)['sar_path'].endswith('s1/c_3_sar.tif')


def test_band_counts_and_label_codes_from_config(tmp_path, geotiff_writer):
    make_layout(tmp_path, geotiff_writer)
    pipeline = [dict(type='LoadOpticalSARTile', bands=dict(optical=13, sar=2)),
                dict(type='PackOpticalSARInputs')]
    dataset = OpticalSARSegDataset(
        data_root=str(tmp_path), modalities=MODALITIES, metainfo=METAINFO,
        label_codes={0: 0, 10: 1}, pipeline=pipeline)
    assert dataset[0]['inputs'].shape == (15, 16, 16)
    labels = [int(dataset[i]['data_samples'].gt_sem_seg.data[0, 0, 0]) for i in range(3)]
    assert labels == [0, 1, 255]           # code 20 is not mapped -> ignored
    wrong_bands = [dict(type='LoadOpticalSARTile', bands=dict(optical=4, sar=2))]
    # found when the dataset is built, every file at once: 2 optical files x 3 samples
    with pytest.raises(SampleFilesError,
                       match=r'(?s)6 problem\(s\) with the files of 3 of 3 samples.*'
                             r"s2_cloudy/a_1.tif' \(sample a_1\) has 13 bands.*expects 4.*"
                             r"s2/c_3.tif' \(sample c_3\) has 13 bands"):
        OpticalSARSegDataset(data_root=str(tmp_path), modalities=MODALITIES,
                             metainfo=METAINFO, pipeline=wrong_bands)
    # without the check, when the sample is read
    unchecked = OpticalSARSegDataset(data_root=str(tmp_path), modalities=MODALITIES,
                                     metainfo=METAINFO, pipeline=wrong_bands,
                                     verify_files=False)
    with pytest.raises(OSError, match=r'a_1.tif.*sample a_1.*13 bands.*expects 4'):
        unchecked[0]


def test_missing_file_and_empty_folder_errors(tmp_path, geotiff_writer):
    make_layout(tmp_path, geotiff_writer)
    (tmp_path / 'mask' / 'b_2.npy').unlink()
    with pytest.raises(FileNotFoundError, match=r'sample b_2: cloud_mask file .*mask/b_2.npy'):
        OpticalSARSegDataset(data_root=str(tmp_path), modalities=MODALITIES,
                             metainfo=METAINFO)
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match=r'no samples found in folder .*empty \(pattern \*.tif\)'):
        OpticalSARSegDataset(data_root=str(tmp_path / 'empty'),
                             modalities=dict(img=dict(folder='.', suffix='.tif'),
                                             sar=dict(folder='.', suffix='.tif')),
                             metainfo=METAINFO)


def test_config_errors(tmp_path):
    with pytest.raises(ValueError, match=r"missing \['sar'\]"):
        OpticalSARSegDataset(data_root=str(tmp_path), metainfo=METAINFO,
                             modalities=dict(img=dict(folder='x', suffix='.tif')))
    with pytest.raises(ValueError, match='classes'):
        OpticalSARSegDataset(data_root=str(tmp_path), modalities=MODALITIES)


def test_folder_config_template_builds_on_a_matching_layout(tmp_path, geotiff_writer):
    import os.path as osp

    from mmengine.config import Config
    from mmseg.registry import DATASETS
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(osp.join(root, 'configs/_base_/datasets/optical_sar_folders.py'))
    for key in ('k0', 'k1'):
        geotiff_writer(tmp_path / 's2_cloudy' / f'{key}.tif', np.ones((32, 32, 13), np.uint16))
        geotiff_writer(tmp_path / 's2' / f'{key}.tif', np.ones((32, 32, 13), np.uint16))
        geotiff_writer(tmp_path / 's1' / f'{key}.tif', np.full((32, 32, 2), -9, np.float32))
        geotiff_writer(tmp_path / 'cloud_mask' / f'{key}.tif', np.ones((32, 32), np.uint8))
        geotiff_writer(tmp_path / 'label' / f'{key}.tif', np.full((32, 32), 10, np.uint8))
    (tmp_path / 'train.txt').write_text('k0\nk1\n')
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(data_root=str(tmp_path),
                       pipeline=cfg.train_pipeline[:2] + [
                           dict(type='MultiModalRandomCrop', crop_size=(16, 16))] +
                       cfg.train_pipeline[3:])
    dataset = DATASETS.build(dataset_cfg)
    packed = dataset[1]
    assert packed['inputs'].shape == (15, 16, 16)
    assert int(packed['data_samples'].gt_sem_seg.data.unique()) == 7     # code 10 -> water
    assert int(packed['data_samples'].gt_cloud_mask.data.min()) == 1
