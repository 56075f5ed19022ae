"""tools/analysis_tools/class_frequencies.py: label pixels per class and median-frequency
weights, against the label files read directly."""
import csv
import json
import os.path as osp

import numpy as np
import pytest
import rasterio

from mmseg_edc.datasets.class_protocols import (WORLDCOVER_6CLASS, apply_label_lut,
                                                build_label_lut)

TEACHER = 'edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160'


@pytest.fixture(scope='module')
def frequencies_tool(tool_runs):
    return tool_runs.load('tools/analysis_tools/class_frequencies.py')


def test_median_frequency_weights_by_hand(frequencies_tool):
    # shares 1/12, 2/12, 3/12, 6/12; median (2/12 + 3/12) / 2 = 2.5/12
    weights = frequencies_tool.median_frequency_weights([1, 2, 3, 6])
    np.testing.assert_allclose(weights, [2.5, 1.25, 2.5 / 3, 2.5 / 6])
    # an absent class: weight 0, the median over the others (shares 4/6, 2/6 -> 3/6)
    np.testing.assert_allclose(frequencies_tool.median_frequency_weights([4, 0, 2]),
                               [0.75, 0.0, 1.5])
    with pytest.raises(ValueError, match='no labelled pixel'):
        frequencies_tool.median_frequency_weights([0, 0])


def test_counts_are_the_label_files_pixels(frequencies_tool, tiny_benchmark, tmp_path):
    out = tmp_path / 'frequencies.json'
    frequencies_tool.main([TEACHER, '--out', str(out), '--cfg-options',
                           f'train_dataloader.dataset.data_root={tiny_benchmark}'])
    report = json.loads(out.read_text())
    # the training tiles of the split file, read with rasterio and the 6-class lookup
    lut = build_label_lut(WORLDCOVER_6CLASS.codes, 6)
    expected = np.zeros(256, dtype=np.int64)
    with open(osp.join(tiny_benchmark, 'splits', 'train.csv')) as f:
        rows = list(csv.reader(f))
    for row in rows:
        with rasterio.open(osp.join(tiny_benchmark, 'train', row[3])) as label:
            expected += np.bincount(apply_label_lut(label.read(1), lut).ravel(),
                                    minlength=256)
    assert report['samples'] == len(rows) == 4
    assert [c['pixels'] for c in report['classes'].values()] == expected[:6].tolist()
    assert report['ignored_pixels'] == int(expected[6:].sum())
    counts = expected[:6]
    assert report['absent_classes'] == [name for name, n in
                                        zip(WORLDCOVER_6CLASS.classes, counts) if not n]
    shares = counts[counts > 0] / counts.sum()
    weights = np.array(report['class_weight'])
    np.testing.assert_allclose(weights[counts > 0], np.median(shares) / shares, atol=5e-4)
    assert (weights[counts == 0] == 0).all()
