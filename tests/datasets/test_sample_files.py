"""Datasets check every file they list when built (mmseg_edc.datasets.sample_files)."""
import os

import numpy as np
import pytest

from mmseg_edc.datasets import OpticalSARSegDataset, SampleFilesError, sample_files

MODALITIES = dict(
    img=dict(folder='cloudy', suffix='.tif'),
    sar=dict(folder='sar', suffix='.tif'),
    clear=dict(folder='clear', suffix='.tif'),
    cloud_mask=dict(folder='mask', suffix='.npy'),
    seg_map=dict(folder='label', suffix='.tif'))
METAINFO = dict(classes=('water', 'land'))
PIPELINE = [
    dict(type='LoadOpticalSARTile', bands=dict(optical=4, sar=2)),
    dict(type='RadiometricScale',
         ranges=dict(img=[(0, 10000)], clear_img=[(0, 10000)], sar=[(-25, 0), (-32.5, 0)]),
         dtypes=dict(img='uint16', clear_img='uint16', sar='float32')),
]


def write_samples(root, writer, count):
    """``count`` good samples: 20 x 20 optical at 3 m over 6 x 6 SAR/labels at 10 m."""
    for i in range(count):
        key = f'k{i:03d}'
        writer(root / 'cloudy' / f'{key}.tif', np.full((20, 20, 4), 900, np.uint16))
        writer(root / 'clear' / f'{key}.tif', np.full((20, 20, 4), 800, np.uint16))
        writer(root / 'sar' / f'{key}.tif', np.full((6, 6, 2), -12, np.float32),
               pixel_size=10.0)
        writer(root / 'label' / f'{key}.tif', np.ones((6, 6), np.uint8), pixel_size=10.0)
        (root / 'mask').mkdir(exist_ok=True)
        np.save(root / 'mask' / f'{key}.npy', np.zeros((20, 20), bool))


def build(root, **kwargs):
    return OpticalSARSegDataset(data_root=str(root), modalities=MODALITIES,
                                metainfo=METAINFO, pipeline=PIPELINE, **kwargs)


def test_every_bad_file_is_listed_in_one_error(tmp_path, geotiff_writer):
    write_samples(tmp_path, geotiff_writer, 6)
    assert len(build(tmp_path)) == 6
    # k000: a truncated SAR file (its header intact)
    sar = tmp_path / 'sar' / 'k000.tif'
    with open(sar, 'r+b') as f:
        f.truncate(os.path.getsize(sar) - 8)
    # k001: 8-bit optical under a range reaching 10000, and a 3-band clear image
    geotiff_writer(tmp_path / 'cloudy' / 'k001.tif', np.full((20, 20, 4), 90, np.uint8))
    geotiff_writer(tmp_path / 'clear' / 'k001.tif', np.full((20, 20, 3), 800, np.uint16))
    # k002: a clear image 1 km away; k003: a mask of another shape
    geotiff_writer(tmp_path / 'clear' / 'k002.tif', np.full((20, 20, 4), 800, np.uint16),
                   origin=(760299.0, 3151000.0))
    np.save(tmp_path / 'mask' / 'k003.npy', np.zeros((20, 21), bool))
    # k004: its label is missing
    os.remove(tmp_path / 'label' / 'k004.tif')
    with pytest.raises(SampleFilesError) as error:
        build(tmp_path)
    message = str(error.value)
    assert message.startswith('6 problem(s) with the files of 5 of 6 samples in folders ')
    assert '(1 missing file(s)):' in message
    for expected in ("sar/k000.tif' (sample k000): it is truncated",
                     "'img' file '", "cloudy/k001.tif' (sample k001) stores uint8",
                     "clear/k001.tif' (sample k001) has 3 bands, the config expects 4",
                     'sample k002: ', 'clear/k002.tif covers',
                     'sample k003: ', 'mask/k003.npy has shape (20, 21)',
                     'sample k004: seg_map file ', 'label/k004.tif does not exist'):
        assert expected in message, expected
    # headers are not checked without verify_files; existence still is
    with pytest.raises(FileNotFoundError, match=r'1 modality file\(s\) missing in folders .*'
                                                r'\(1 of 6 samples\):\n  sample k004: '
                                                r'seg_map file .*label/k004.tif'):
        build(tmp_path, verify_files=False)
    geotiff_writer(tmp_path / 'label' / 'k004.tif', np.ones((6, 6), np.uint8),
                   pixel_size=10.0)
    assert len(build(tmp_path, verify_files=False)) == 6


def test_long_lists_are_capped_and_counted(tmp_path, geotiff_writer, monkeypatch):
    write_samples(tmp_path, geotiff_writer, 4)
    monkeypatch.setattr(sample_files, 'MAX_LISTED_PROBLEMS', 3)
    for key in ('k000', 'k001', 'k002', 'k003'):
        os.remove(tmp_path / 'sar' / f'{key}.tif')
    (tmp_path / 'split.txt').write_text('k000\nk001\nk002\nk003\n')
    with pytest.raises(FileNotFoundError) as error:
        build(tmp_path, split_file='split.txt')
    lines = str(error.value).splitlines()
    assert lines[0].startswith('4 modality file(s) missing in split file ')
    assert len(lines) == 5 and lines[-1] == '  ... and 1 more'


def test_scan_reports_a_sample_missing_its_image(tmp_path, geotiff_writer):
    """The scan lists keys of every modality folder: no sample is dropped silently."""
    write_samples(tmp_path, geotiff_writer, 3)
    os.remove(tmp_path / 'cloudy' / 'k001.tif')
    with pytest.raises(FileNotFoundError,
                       match=r'sample k001: img file .*cloudy/k001.tif does not exist'):
        build(tmp_path)


def test_progress_bar_for_long_lists(tmp_path, geotiff_writer, monkeypatch, capsys):
    write_samples(tmp_path, geotiff_writer, 3)
    build(tmp_path)
    assert '3/3' not in capsys.readouterr().out
    monkeypatch.setattr(sample_files, 'PROGRESS_MIN_SAMPLES', 3)
    build(tmp_path)
    assert '3/3' in capsys.readouterr().out
