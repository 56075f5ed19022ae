"""The M3M-CR validation split: whole areas held out of train/, read as split='val'."""
import csv
import json

import pytest

from mmseg_edc.datasets import M3MCRDataset
from mmseg_edc.datasets.m3mcr_splits import (area_of, choose_val_areas, split_rows,
                                             write_m3mcr_val_split)
from mmseg_edc.synthesis import generate_m3mcr_benchmark


def test_area_of_a_key():
    assert area_of('summer_33_p_1') == '33'
    assert area_of('winter_1024_p_12') == '1024'
    with pytest.raises(ValueError, match='not a key'):
        area_of('summer33')


def test_draw_is_seeded_and_keeps_both_sides():
    areas = [str(a) for a in range(20)]
    drawn = choose_val_areas(areas, 0.1, seed=0)
    assert len(drawn) == 2                                  # round(0.1 x 20)
    assert drawn == choose_val_areas(list(reversed(areas)), 0.1, seed=0)
    assert choose_val_areas(['1', '2'], 0.9, seed=0) != ['1', '2']   # train keeps one
    with pytest.raises(ValueError, match='at least 2'):
        choose_val_areas(['1'], 0.5, seed=0)


def test_every_sample_of_an_area_goes_to_one_side():
    keys = ['spring_1_p_1', 'summer_1_p_2', 'fall_2_p_1', 'winter_3_p_1']
    sides = split_rows(keys, keys, val_areas=['1'])
    # area 1 in two seasons: both held out together
    assert sides == dict(val=['spring_1_p_1', 'summer_1_p_2'],
                         train=['fall_2_p_1', 'winter_3_p_1'])
    with pytest.raises(ValueError, match=r"\['9'\] have no training sample"):
        split_rows(keys, keys, val_areas=['9'])


def test_written_split_is_read_by_the_dataset(tmp_path):
    root = str(tmp_path / 'm3mcr')
    generate_m3mcr_benchmark(root, num_train=10, num_val=0, num_test=1, seed=2)  # 2 areas
    train = M3MCRDataset(root, split='train', pipeline=[], lazy_init=True)
    rows, _ = train.listed_rows()
    keys = [r[1].rsplit('planet_cloudy_', 1)[1][:-4] for r in rows]
    summary = write_m3mcr_val_split(root, rows, keys, val_fraction=0.5, seed=1)
    assert summary['num_areas'] == 2 and len(summary['val_areas']) == 1
    assert summary['num_train'] == summary['num_val'] == 5
    val = M3MCRDataset(root, split='val', pipeline=[])
    held = M3MCRDataset(root, split='train', ann_file='splits/train.csv', pipeline=[])
    val_keys = {val.get_data_info(i)['sample_key'] for i in range(len(val))}
    train_keys = {held.get_data_info(i)['sample_key'] for i in range(len(held))}
    assert len(val_keys) == len(train_keys) == 5 and not val_keys & train_keys
    assert {area_of(k) for k in val_keys} == set(summary['val_areas'])
    assert val.get_data_info(0)['img_path'].startswith(f'{root}/train/')
    with open(tmp_path / 'm3mcr' / 'splits' / 'val.csv', newline='') as f:
        assert all(len(row) == 5 for row in csv.reader(f))
    with open(tmp_path / 'm3mcr' / 'splits' / 'holdout.json') as f:
        assert json.load(f)['seed'] == 1
    with pytest.raises(FileExistsError, match='overwrite'):
        write_m3mcr_val_split(root, rows, keys, val_fraction=0.5, seed=1)
