import numpy as np
import pytest

from mmseg_edc.datasets.whu_opt_sar import (inspect_scene, read_official_split,
                                            select_val_scenes)
from mmseg_edc.io import RasterReadError


def test_reads_the_official_split_file(whu_scenes, tmp_path):
    path = whu_scenes.write_split_file(tmp_path)
    assert b'\r\n\r\ntest:\r\n' in path.read_bytes()
    assert read_official_split(str(path)) == dict(train=list(whu_scenes.TRAIN_SCENES),
                                                  test=list(whu_scenes.TEST_SCENES))


def test_split_file_errors(tmp_path):
    path = tmp_path / 'split.txt'
    path.write_bytes(b'train:\r\nA.tif\r\nval:\r\nB.tif\r\n')
    with pytest.raises(ValueError, match=r"split.txt line 3: unknown section 'val:'"):
        read_official_split(str(path))
    path.write_bytes(b'A.tif\r\ntrain:\r\n')
    with pytest.raises(ValueError, match=r"line 1: scene 'A.tif' comes before"):
        read_official_split(str(path))
    path.write_bytes(b'train:\r\nA.tif\r\ntest:\r\nA.tif\r\n')
    with pytest.raises(ValueError, match='line 4: scene A is already listed on line 2'):
        read_official_split(str(path))
    path.write_bytes(b'train:\r\nA.tif\r\n')
    with pytest.raises(ValueError, match='no scenes listed under test'):
        read_official_split(str(path))
    with pytest.raises(FileNotFoundError, match='missing.txt does not exist'):
        read_official_split(str(tmp_path / 'missing.txt'))


def test_val_hold_out_is_seeded_and_scene_level():
    train = [f'S{i:02d}' for i in range(80)]
    first = select_val_scenes(train, 8, seed=0)
    assert first == select_val_scenes(list(reversed(train)), 8, seed=0)
    assert first != select_val_scenes(train, 8, seed=1)
    assert len(set(first)) == 8 and set(first) <= set(train)
    assert select_val_scenes(train, ['S05', 'S01', 'S05'], seed=0) == ['S01', 'S05']
    with pytest.raises(ValueError, match=r"not in the training split: \['T01'\]"):
        select_val_scenes(train, ['S01', 'T01'], seed=0)
    with pytest.raises(ValueError, match='between 1 and 79'):
        select_val_scenes(train, 80, seed=0)


def test_inspect_scene_checks_bands_and_sizes(whu_scenes, whu_root):
    info = inspect_scene(str(whu_root), 'NH49E001015')
    assert info.shape == (200, 299)
    assert info.paths['label'].endswith('lbl/NH49E001015.tif')
    whu_scenes.write_plain_tiff(str(whu_root / 'sar' / 'NH49E001013.tif'),
                                np.zeros((2, 200, 300), np.uint8))
    with pytest.raises(RasterReadError, match=r'sar file .*sar/NH49E001013.tif \(scene '
                       r"NH49E001013\) has 2 band\(s\) of \['uint8'\]; expected 1 band"):
        inspect_scene(str(whu_root), 'NH49E001013')
    whu_scenes.write_plain_tiff(str(whu_root / 'lbl' / 'NH49E002013.tif'),
                                np.zeros((1, 200, 301), np.uint8))
    with pytest.raises(ValueError, match=r'scene NH49E002013: .*lbl/NH49E002013.tif is '
                       r'200 x 301 \(H x W\) but .*optical/NH49E002013.tif is 200 x 300'):
        inspect_scene(str(whu_root), 'NH49E002013')
