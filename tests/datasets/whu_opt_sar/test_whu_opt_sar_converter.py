import json
import os
import os.path as osp

import numpy as np
import pytest

from mmseg_edc.synthesis import synthesize_clouds_random_cover
from mmseg_edc.datasets.whu_opt_sar import (CLOUD_TINT, MANIFEST, OUTPUT_FOLDERS,
                                            convert_whu_opt_sar, tile_cloud_rng)
from mmseg_edc.io import RasterReadError, partial_path
from mmseg_edc.utils import USER_ERROR_STATUS, run_tool


def keys(out_dir, split):
    with open(osp.join(out_dir, 'splits', f'{split}.txt')) as f:
        return f.read().split()


@pytest.fixture
def tile(whu_scenes):
    """``tile(out_dir, modality, key)``: the ``C x H x W`` pixels of a converted tile."""
    return lambda out_dir, modality, key: whu_scenes.read_tiff(
        osp.join(out_dir, OUTPUT_FOLDERS[modality], f'{key}.tif'))


def test_layout_counts_and_scene_level_hold_out(whu_scenes, converted):
    out = converted['out_dir']
    # 200 x 300 (or 299) scenes in 100 px tiles: 2 rows x 3 columns each
    assert converted['tiles'] == dict(train=3 * 6, val=2 * 6, test=2 * 6)
    assert converted['scenes'] == dict(train=3, val=2, test=2)
    val_scenes = set(converted['val_scenes'])
    assert len(val_scenes) == 2 and val_scenes <= set(whu_scenes.TRAIN_SCENES)
    scenes = {split: {k.split('_')[0] for k in keys(out, split)}
              for split in ('train', 'val', 'test')}
    assert scenes['val'] == val_scenes
    assert not scenes['train'] & val_scenes
    assert scenes['train'] | val_scenes == set(whu_scenes.TRAIN_SCENES)
    assert scenes['test'] == set(whu_scenes.TEST_SCENES)
    for folder in OUTPUT_FOLDERS.values():
        assert len(os.listdir(osp.join(out, folder))) == 7 * 6
    with open(osp.join(out, MANIFEST)) as f:
        manifest = json.load(f)
    assert manifest['scene_shapes'][whu_scenes.NARROW_SCENE] == [200, 299]
    assert manifest['cover_range'] == [0.1, 0.9]


def test_tiles_equal_the_scene_windows_with_the_edge_shifted_inward(whu_scenes, converted,
                                                                   tile):
    out = converted['out_dir']
    split = 'val' if whu_scenes.NARROW_SCENE in converted['val_scenes'] else 'train'
    narrow = [k for k in keys(out, split) if k.startswith(whu_scenes.NARROW_SCENE)]
    assert narrow == [f'{whu_scenes.NARROW_SCENE}_y{y:04d}_x{x:04d}'
                      for y in (0, 100) for x in (0, 100, 199)]
    scene = whu_scenes.scene_arrays(whu_scenes.NARROW_SCENE)
    for key in (narrow[2], narrow[4]):
        y0, x0 = int(key[-10:-6]), int(key[-4:])
        window = (slice(None), slice(y0, y0 + 100), slice(x0, x0 + 100))
        np.testing.assert_array_equal(tile(out, 'clear', key), scene['optical'][window])
        np.testing.assert_array_equal(tile(out, 'sar', key), scene['sar'][window])
        np.testing.assert_array_equal(tile(out, 'seg_map', key), scene['lbl'][window])


def test_padded_edges(whu_scenes, whu_root, tile, tmp_path):
    summary = convert_whu_opt_sar(str(whu_root), str(tmp_path / 'tiles'), tile_size=128,
                                  stride=96, edge='pad',
                                  val_scenes=[whu_scenes.NARROW_SCENE])
    out = summary['out_dir']
    # rows at 0, 96 (ceil(72 / 96) + 1 = 2), columns at 0, 96, 192: 6 tiles per scene
    assert summary['tiles'] == dict(train=4 * 6, val=6, test=2 * 6)
    key = f'{whu_scenes.NARROW_SCENE}_y0096_x0192'
    assert key in keys(out, 'val')
    scene = whu_scenes.scene_arrays(whu_scenes.NARROW_SCENE)
    h, w = 200 - 96, 299 - 192                                   # scene pixels in the tile
    for modality, folder, fill in (('clear', 'optical', 0), ('sar', 'sar', 0),
                                   ('seg_map', 'lbl', 255)):
        array = tile(out, modality, key)
        assert array.shape[1:] == (128, 128)
        np.testing.assert_array_equal(array[:, :h, :w], scene[folder][:, 96:, 192:])
        assert (array[:, h:, :] == fill).all() and (array[:, :, w:] == fill).all()
    for modality in ('img', 'cloud_mask'):
        array = tile(out, modality, key)
        assert (array[:, h:, :] == 0).all() and (array[:, :, w:] == 0).all()


def test_clouds_are_the_documented_recipe_seeded_per_tile(converted, tile):
    out = converted['out_dir']
    key = keys(out, 'test')[3]
    clear = tile(out, 'clear', key).transpose(1, 2, 0) / np.float32(255)
    layer = synthesize_clouds_random_cover(clear, tile_cloud_rng(5, key),
                                           band_tint=CLOUD_TINT)
    expected = np.rint(layer.cloudy * 255).astype(np.uint8).transpose(2, 0, 1)
    np.testing.assert_array_equal(tile(out, 'img', key), expected)
    np.testing.assert_array_equal(tile(out, 'cloud_mask', key)[0], layer.mask)


def test_same_seed_same_bytes_other_tile_or_seed_other_clouds(converted, tile, tmp_path):
    root = osp.join(osp.dirname(converted['out_dir']), 'whu-opt-sar')
    again = convert_whu_opt_sar(root, str(tmp_path / 'again'), tile_size=100,
                                val_scenes=2, seed=5, workers=2)
    other = convert_whu_opt_sar(root, str(tmp_path / 'other'), tile_size=100,
                                val_scenes=converted['val_scenes'], seed=6)
    out = converted['out_dir']
    for split in ('val', 'test'):
        assert keys(again['out_dir'], split) == keys(out, split)
        for key in keys(out, split):
            for modality in ('img', 'cloud_mask'):
                name = osp.join(OUTPUT_FOLDERS[modality], f'{key}.tif')
                with open(osp.join(out, name), 'rb') as a, \
                        open(osp.join(again['out_dir'], name), 'rb') as b:
                    assert a.read() == b.read(), name
    first, second = keys(out, 'test')[:2]
    assert not np.array_equal(tile(out, 'cloud_mask', first),
                              tile(out, 'cloud_mask', second))
    assert not np.array_equal(tile(out, 'cloud_mask', first),
                              tile(other['out_dir'], 'cloud_mask', first))


def test_cloud_cover_spread_within_range(converted, tile):
    out = converted['out_dir']
    covers = [tile(out, 'cloud_mask', key).mean()
              for split in ('train', 'val', 'test') for key in keys(out, split)]
    assert min(covers) >= 0.1 - 1e-4 and max(covers) <= 0.9 + 1e-4
    assert max(covers) - min(covers) > 0.4                  # spread, not one value
    test_cover = converted['cloud_cover']['test']
    assert 0.1 - 1e-4 <= test_cover['min'] <= test_cover['mean'] <= test_cover['max']


def leftovers(folder):
    return sorted(n for n in os.listdir(folder) if n.startswith('.'))


def test_missing_scene_is_named_and_nothing_is_written(whu_root, tmp_path):
    os.remove(whu_root / 'sar' / 'NH49E002015.tif')
    out = tmp_path / 'tiles'
    with pytest.raises(FileNotFoundError, match=r'scenes whose files are missing .*\n'
                       r'  scene NH49E002015: .*sar/NH49E002015.tif'):
        convert_whu_opt_sar(str(whu_root), str(out), tile_size=100, val_scenes=1)
    assert not out.exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize('damage, workers', [('truncated', 1), ('truncated', 2),
                                             ('not_a_tiff', 1)])
def test_corrupt_input_names_the_file_and_leaves_no_output(whu_scenes, whu_root, tmp_path,
                                                           damage, workers):
    path = whu_root / 'lbl' / f'{whu_scenes.TEST_SCENES[-1]}.tif'     # converted last
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] if damage == 'truncated' else b'junk' * 100)
    out = tmp_path / 'tiles'
    with pytest.raises(RasterReadError,
                       match=rf'{path}.*scene {whu_scenes.TEST_SCENES[-1]}'):
        convert_whu_opt_sar(str(whu_root), str(out), tile_size=100, val_scenes=1,
                            workers=workers)
    assert not out.exists() and leftovers(tmp_path) == []


def test_overwrite_protection(whu_root, tmp_path):
    out = tmp_path / 'tiles'
    convert_whu_opt_sar(str(whu_root), str(out), tile_size=100, val_scenes=1, seed=1)
    with pytest.raises(FileExistsError, match='holds an earlier conversion; pass '
                       r'overwrite=True \(--overwrite\)'):
        convert_whu_opt_sar(str(whu_root), str(out), tile_size=100, val_scenes=1)
    summary = convert_whu_opt_sar(str(whu_root), str(out), tile_size=200, edge='pad',
                                  val_scenes=1, overwrite=True)
    assert sum(summary['tiles'].values()) == len(os.listdir(out / 'label')) == 7 * 2
    assert leftovers(tmp_path) == []
    other = tmp_path / 'notes'
    other.mkdir()
    (other / 'mine.txt').write_text('keep me')
    with pytest.raises(FileExistsError, match=r'notes is not empty and holds no earlier '
                       r'conversion \(whu_opt_sar_tiles.json missing\)'):
        convert_whu_opt_sar(str(whu_root), str(other), tile_size=100, val_scenes=1,
                            overwrite=True)
    assert (other / 'mine.txt').read_text() == 'keep me'
    for bad in (whu_root, whu_root / 'optical' / 'tiles', tmp_path):
        with pytest.raises(ValueError, match='output folder'):
            convert_whu_opt_sar(str(whu_root), str(bad), tile_size=100, val_scenes=1,
                                overwrite=True)
    assert len(os.listdir(whu_root / 'optical')) == 7


def test_command_line(whu_scenes, whu_root, tool_runs, tmp_path, capsys):
    cli = tool_runs.load('tools/dataset_converters/whu_opt_sar.py')
    split = whu_scenes.write_split_file(tmp_path, train=whu_scenes.TRAIN_SCENES[:2],
                                        test=whu_scenes.TEST_SCENES[:1])
    out = tmp_path / 'tiles'
    args = [str(whu_root), str(out), '--split-file', str(split), '--tile-size', '100',
            '--edge', 'pad', '--val-scenes', whu_scenes.TRAIN_SCENES[1],
            '--cover-range', '0.2', '0.3']
    cli.main(args)
    assert 'wrote 18 tiles of 3 scenes' in capsys.readouterr().out
    assert keys(str(out), 'val')[0] == f'{whu_scenes.TRAIN_SCENES[1]}_y0000_x0000'
    covers = [whu_scenes.read_tiff(str(p)).mean() for p in (out / 'cloud_mask').iterdir()]
    assert 0.2 - 1e-4 <= min(covers) and max(covers) <= 0.3 + 1e-4
    with pytest.raises(SystemExit) as stop:
        run_tool(cli.main, args)
    assert stop.value.code == USER_ERROR_STATUS
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: output folder ')
    assert err[0].endswith('holds an earlier conversion; pass overwrite=True '
                           '(--overwrite) to replace it')
    with pytest.raises(FileExistsError, match='holds an earlier conversion'):
        run_tool(cli.main, [*args, '--debug'])


def test_output_follows_the_umask(whu_root, tmp_path):
    previous = os.umask(0o027)
    try:
        convert_whu_opt_sar(str(whu_root), str(tmp_path / 'tiles'), tile_size=200,
                            val_scenes=1)
    finally:
        os.umask(previous)
    out = tmp_path / 'tiles'
    # 0o777 and 0o666 less the umask 0o027 (not mkdtemp's 0o700)
    assert {oct(p.stat().st_mode & 0o777) for p in (out, out / 'label')} == {'0o750'}
    assert oct((out / MANIFEST).stat().st_mode & 0o777) == '0o640'
    assert oct(next((out / 'label').iterdir()).stat().st_mode & 0o777) == '0o640'


def test_staging_folder_of_a_killed_run_is_removed(whu_root, tmp_path, dead_pid):
    out = tmp_path / 'tiles'
    stale = partial_path(str(out), pid=dead_pid)
    os.makedirs(osp.join(stale, 'label'))
    assert leftovers(tmp_path) == [osp.basename(stale)]
    convert_whu_opt_sar(str(whu_root), str(out), tile_size=200, val_scenes=1)
    assert leftovers(tmp_path) == []
