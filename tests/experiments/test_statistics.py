"""Summaries and paired differences of repeated runs, against hand computations."""
import math

import pytest

from mmseg_edc.experiments import paired_difference, summarise


def test_summary_of_three_runs():
    summary = summarise([1.0, 2.0, 3.0])
    # mean 2; squared deviations 1 + 0 + 1 over n - 1 = 2 -> std 1
    assert summary == dict(n=3, mean=2.0, std=1.0, min=1.0, max=3.0)
    assert summarise([5.0])['std'] is None
    with pytest.raises(ValueError):
        summarise([])


def test_paired_difference_and_its_t_interval():
    model = {(0, 0): 80.0, (0, 1): 82.0, (0, 2): 84.0, (1, 0): 99.0}
    base = {(0, 0): 79.0, (0, 1): 80.0, (0, 2): 81.0}       # (1, 0) has no pair
    diff = paired_difference(model, base)
    # differences 1, 2, 3: mean 2, sd 1, n 3; t_{0.975, 2} = 4.302653
    half = 4.302653 / math.sqrt(3)
    assert diff['n'] == 3 and diff['mean'] == 2.0 and diff['std'] == 1.0
    assert diff['ci_low'] == pytest.approx(2 - half, abs=1e-5)
    assert diff['ci_high'] == pytest.approx(2 + half, abs=1e-5)
    assert not diff['separated']                   # -0.48 .. 4.48 contains 0
    tight = paired_difference({0: 3.0, 1: 3.1, 2: 2.9}, {0: 1.0, 1: 1.0, 2: 1.0})
    assert tight['separated'] and tight['ci_low'] > 0
    one = paired_difference({0: 3.0}, {0: 1.0})
    assert one['mean'] == 2.0 and one['ci_low'] is None and not one['separated']
    assert paired_difference({0: 1.0}, {1: 1.0}) is None


def test_the_difference_is_plain_json():
    """The seed table is written as JSON: no numpy scalars (a numpy bool ended the
    first real table run)."""
    import json
    diff = paired_difference({0: 3.0, 1: 3.1, 2: 2.9}, {0: 1.0, 1: 1.0, 2: 1.0})
    assert type(diff['separated']) is bool and type(diff['ci_low']) is float
    assert json.loads(json.dumps(diff)) == diff
