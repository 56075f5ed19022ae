"""Summaries of repeated runs: mean and spread over seeds, and paired differences with
their Student-t confidence intervals."""
import math
from typing import Dict, Mapping, Optional, Sequence

from scipy import stats


def summarise(values: Sequence[float]) -> Dict[str, Optional[float]]:
    """``n``, ``mean``, sample standard deviation ``std`` (None for one value), ``min``
    and ``max`` of some runs' values."""
    n = len(values)
    if n == 0:
        raise ValueError('no values to summarise')
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return dict(n=n, mean=mean, std=std, min=min(values), max=max(values))


def paired_difference(values: Mapping, baseline: Mapping,
                      confidence: float = 0.95) -> Optional[dict]:
    """Mean difference ``values - baseline`` over the runs both have, with its CI.

    Runs are paired by key (e.g. ``(data_seed, seed)``): the same data and seed for
    both models, so the seed's own effect cancels. The interval is
    ``mean +- t_{(1 + confidence) / 2, n - 1} * sd / sqrt(n)`` of the differences.

    Args:
        values (Mapping): run key -> this model's value.
        baseline (Mapping): run key -> the baseline's value.
        confidence (float): coverage of the interval.

    Returns:
        dict | None: ``n``, ``mean``, ``std``, ``ci_low``, ``ci_high`` (None with one
        pair) and ``separated`` (the interval excludes 0); None without a shared run.
    """
    keys = sorted(set(values) & set(baseline))
    if not keys:
        return None
    differences = [values[k] - baseline[k] for k in keys]
    summary = summarise(differences)
    low = high = None
    if summary['n'] > 1:
        half = float(stats.t.ppf((1 + confidence) / 2, summary['n'] - 1)) * \
            summary['std'] / math.sqrt(summary['n'])
        # plain floats: the report is written as JSON (numpy scalars are not)
        low, high = summary['mean'] - half, summary['mean'] + half
    return dict(n=summary['n'], mean=summary['mean'], std=summary['std'], ci_low=low,
                ci_high=high, separated=low is not None and (low > 0 or high < 0))
