import csv
import json
import os
import os.path as osp
import re

import numpy as np
import pytest
import rasterio

from mmseg_edc.synthesis import WORLDCOVER_CODES, generate_m3mcr_benchmark, tile_layout

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REAL = osp.join(ROOT, '..', 'shared', 'fixtures', 'M3M-CR')
#: samples per split folder: 3 train and 2 validation samples (held out of train/), 2 test
SPLITS = dict(train=5, test=2)


@pytest.fixture(scope='module')
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp('gen') / 'bench'
    summary = generate_m3mcr_benchmark(str(out), num_train=3, num_val=2, num_test=2,
                                       seed=0)
    return str(out), summary


def rows_of(root, split):
    with open(osp.join(root, f'{split}.csv'), newline='') as f:
        return list(csv.reader(f))


def all_files(root):
    return sorted(osp.relpath(osp.join(folder, name), root)
                  for folder, _, names in os.walk(root) for name in names)


def test_split_csvs_resolve_in_official_format(generated):
    root, summary = generated
    for split, count in SPLITS.items():
        with open(osp.join(root, f'{split}.csv'), 'rb') as f:
            assert f.read().count(b'\r\n') == count
        rows = rows_of(root, split)
        assert len(rows) == count
        for row in rows:
            assert len(row) == 5
            for path, prefix in zip(row, ('planet_cloudfree_', 'planet_cloudy_', 'S1_',
                                          'landcover_', 'cloudmask_')):
                assert osp.basename(path).startswith(prefix)
                assert osp.isfile(osp.join(root, split, path)), path
            suffix = osp.splitext(osp.basename(row[4]))[0][len('cloudmask'):]
            assert all(osp.splitext(p)[0].endswith(suffix) for p in row)
    aois = {split: {osp.basename(row[4]).split('_')[2] for row in rows_of(root, split)}
            for split in SPLITS}
    # train area 1, test area 2, the validation area 3 (numbered after test) in train/
    assert aois == dict(train={'1', '3'}, test={'2'})
    assert [summary['splits'][s]['num_samples'] for s in ('train', 'val', 'test')] == [
        3, 2, 2]


def test_validation_areas_are_held_out_in_the_datasets_format(generated):
    root, _ = generated
    with open(osp.join(root, 'splits', 'val.csv'), newline='') as f:
        val = list(csv.reader(f))
    with open(osp.join(root, 'splits', 'train.csv'), newline='') as f:
        train = list(csv.reader(f))
    assert sorted(val + train) == sorted(rows_of(root, 'train'))
    assert {osp.basename(r[4]).split('_')[2] for r in val} == {'3'}
    assert {osp.basename(r[4]).split('_')[2] for r in train} == {'1'}
    with open(osp.join(root, 'splits', 'holdout.json')) as f:
        assert json.load(f)['val_areas'] == ['3']


def test_heavier_clouds_over_the_same_test_scenes(generated, tmp_path):
    root, _ = generated
    heavy = tmp_path / 'heavy'
    # the same seed and counts, only the test split, under 60-95 % cover
    summary = generate_m3mcr_benchmark(str(heavy), num_train=3, num_val=2, num_test=2,
                                       seed=0, splits=('test',), cover_range=(0.6, 0.95))
    assert summary['splits_written'] == ['test'] and not osp.exists(heavy / 'train')
    assert rows_of(str(heavy), 'test') == rows_of(root, 'test')
    for clear, _, sar, label, mask in rows_of(root, 'test'):
        for same in (clear, sar, label):                  # the same scene
            assert np.array_equal(read(osp.join(root, 'test', same))[0],
                                  read(osp.join(heavy, 'test', same))[0])
        light = np.load(osp.join(root, 'test', mask)).mean()
        dense = np.load(osp.join(heavy, 'test', mask)).mean()
        assert 0.6 - 1e-3 <= dense <= 0.95 + 1e-3 and dense > light


def read(path):
    with rasterio.open(path) as ds:
        return ds.read(), ds.profile, ds.tags(), ds.bounds


def test_files_have_m3mcr_formats_and_georeferencing(generated):
    root, _ = generated
    for split in SPLITS:
        for clear, cloudy, s1, landcover, mask in rows_of(root, split):
            folder = osp.join(root, split)
            opt, opt_profile, opt_tags, opt_bounds = read(osp.join(folder, clear))
            cld, cld_profile, _, _ = read(osp.join(folder, cloudy))
            sar, sar_profile, _, sar_bounds = read(osp.join(folder, s1))
            lab, lab_profile, _, lab_bounds = read(osp.join(folder, landcover))
            cloud = np.load(osp.join(folder, mask))

            assert opt.shape == cld.shape == (4, 300, 300)
            assert opt.dtype == cld.dtype == np.uint16
            assert opt_profile['nodata'] == cld_profile['nodata'] == 0
            assert opt.min() >= 1 and cld.min() >= 1 and opt.max() <= 10000
            assert sar.shape == (2, 90, 90) and sar.dtype == np.float64
            assert sar_profile['nodata'] is None and np.isfinite(sar).all()
            assert -45 < sar.min() and sar.max() < 25
            assert lab.shape == (1, 90, 90) and lab.dtype == np.uint8
            assert set(np.unique(lab)) <= set(WORLDCOVER_CODES)
            assert cloud.dtype == bool and cloud.shape == (300, 300)
            assert opt_tags['AREA_OR_POINT'] == 'Area'

            crs = opt_profile['crs']
            assert crs == cld_profile['crs'] == sar_profile['crs'] == lab_profile['crs']
            assert crs.to_epsg() // 100 in (326, 327)
            t_opt, t_sar = opt_profile['transform'], sar_profile['transform']
            assert (t_opt.a, t_opt.e, t_opt.b, t_opt.d) == (3.0, -3.0, 0.0, 0.0)
            assert (t_sar.a, t_sar.e, t_sar.b, t_sar.d) == (10.0, -10.0, 0.0, 0.0)
            assert lab_profile['transform'] == t_sar
            # 300 x 3 m = 90 x 10 m = 900 m; the origins differ by 1-2 m, not 0
            assert opt_bounds.right - opt_bounds.left == 900 == sar_bounds.right - sar_bounds.left
            assert opt_bounds.top - opt_bounds.bottom == 900
            shift = np.array([t_opt.c - t_sar.c, t_opt.f - t_sar.f])
            assert np.all(np.abs(shift) <= 2) and np.abs(shift).max() >= 1
            assert t_sar.c % 10 == 0 and t_sar.f % 10 == 0


def test_profiles_match_the_real_samples(generated):
    real_csv = osp.join(REAL, 'one_train_sample.csv')
    if not osp.isfile(real_csv):
        pytest.skip(f'real M3M-CR fixtures not found at {REAL}')
    root, _ = generated
    with open(real_csv, newline='') as f:
        real_row = next(csv.reader(f))
    ours = rows_of(root, 'train')[0]
    for real_path, our_path in zip(real_row[:4], ours[:4]):
        _, real_profile, real_tags, _ = read(osp.join(REAL, 'train', real_path))
        _, our_profile, our_tags, _ = read(osp.join(root, 'train', our_path))
        for key in ('driver', 'dtype', 'count', 'width', 'height', 'nodata'):
            assert our_profile[key] == real_profile[key], (real_path, key)
        assert (our_profile['transform'].a, our_profile['transform'].e) == (
            real_profile['transform'].a, real_profile['transform'].e)
        assert our_tags == real_tags
    real_mask = np.load(osp.join(REAL, 'train', real_row[4]))
    our_mask = np.load(osp.join(root, 'train', ours[4]))
    assert (our_mask.dtype, our_mask.shape) == (real_mask.dtype, real_mask.shape)


def test_clouds_cover_and_location(generated):
    root, summary = generated
    covers = []
    for split in SPLITS:
        for clear, cloudy, _, _, mask in rows_of(root, split):
            folder = osp.join(root, split)
            a = read(osp.join(folder, clear))[0].astype(float)
            b = read(osp.join(folder, cloudy))[0].astype(float)
            cloud = np.load(osp.join(folder, mask))
            covers.append(cloud.mean())
            if 0.05 < cloud.mean() < 0.95:
                diff = np.abs(b - a).mean(axis=0)
                assert diff[cloud].mean() > 3 * diff[~cloud].mean()
                assert b[:, cloud].mean() > a[:, cloud].mean() + 1000
    assert all(0 <= c <= 0.9 + 1e-3 for c in covers)
    assert summary['splits']['train']['cloud_cover']['max'] == pytest.approx(
        max(covers[:3]), abs=1e-4)


def progress_steps(text):
    """The ``done/total`` counts an mmengine ProgressBar wrote, in order."""
    return [tuple(map(int, m)) for m in re.findall(r'\] (\d+)/(\d+),', text)]


def test_same_seed_same_bytes_other_seed_differs(generated, tmp_path, capsys):
    root, _ = generated
    again = tmp_path / 'again'
    generate_m3mcr_benchmark(str(again), num_train=3, num_val=2, num_test=2, seed=0,
                             workers=2, progress=True)
    # the bar on stderr: started at 0, one step per sample of the 7, stdout untouched
    output = capsys.readouterr()
    assert output.out == ''
    assert progress_steps(output.err) == [(i, 7) for i in range(8)]
    files = all_files(root)
    assert files == all_files(str(again))
    for name in files:
        with open(osp.join(root, name), 'rb') as f, open(again / name, 'rb') as g:
            assert f.read() == g.read(), name

    other = tmp_path / 'other'
    generate_m3mcr_benchmark(str(other), num_train=1, num_val=0, num_test=1, seed=1)
    assert capsys.readouterr().err == ''           # no bar unless asked for
    first = rows_of(root, 'train')[0]
    assert first == rows_of(str(other), 'train')[0]
    assert not np.array_equal(read(osp.join(root, 'train', first[0]))[0],
                              read(osp.join(other, 'train', first[0]))[0])


def test_out_dir_safety(tmp_path):
    foreign = tmp_path / 'foreign'
    foreign.mkdir()
    (foreign / 'notes.txt').write_text('keep me')
    with pytest.raises(FileExistsError, match='holds no generated benchmark'):
        generate_m3mcr_benchmark(str(foreign), num_train=1, num_val=0, num_test=1)
    assert os.listdir(foreign) == ['notes.txt']

    out = tmp_path / 'bench'
    generate_m3mcr_benchmark(str(out), num_train=2, num_val=5, num_test=1, seed=3)
    (out / 'notes.txt').write_text('keep me too')
    with pytest.raises(FileExistsError, match='overwrite=True'):
        generate_m3mcr_benchmark(str(out), num_train=1, num_val=0, num_test=1, seed=3)
    summary = generate_m3mcr_benchmark(str(out), num_train=1, num_val=0, num_test=1,
                                       seed=4, overwrite=True)
    assert summary['num_train'] == 1 and summary['seed'] == 4
    files = [f for f in all_files(str(out)) if not f.endswith('.json')]
    # notes, two CSVs, one sample per split: the old validation areas and splits/ are gone
    assert len(files) == 1 + 2 + 2 * 5
    assert (out / 'notes.txt').read_text() == 'keep me too'
    with open(out / 'generated_benchmark.json') as f:
        assert json.load(f)['complete'] is True
    with pytest.raises(ValueError, match='num_train >= 1 and num_test >= 1'):
        generate_m3mcr_benchmark(str(tmp_path / 'x'), num_train=0)


def test_layout_groups_patches_into_areas_and_seasons():
    specs = tile_layout(12, 6)
    train = [s for s in specs if s.split == 'train']
    test = [s for s in specs if s.split == 'test']
    assert [s.key for s in train[:6]] == [
        'spring_1_p_1', 'spring_1_p_2', 'spring_1_p_3', 'spring_1_p_4', 'spring_1_p_5',
        'summer_2_p_1']
    assert train[-1].key == 'fall_3_p_2'
    assert [s.key for s in test] == ['spring_4_p_1', 'spring_4_p_2', 'spring_4_p_3',
                                     'spring_4_p_4', 'spring_4_p_5', 'summer_5_p_1']
