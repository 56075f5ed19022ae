"""A validation split for M3M-CR, held out of its training split by whole areas.

M3M-CR ships only ``train/`` and ``test/``; model selection must not look at the test
split, so validation comes from the training areas. A sample key is
``<season>_<aoi>_p_<k>``; every sample of an area (``aoi``, in every season, since the
seasons of an area cover the same ground) goes to the same side, so no validation patch
has a training neighbour. The areas are drawn with a seeded generator (or given).

Written under ``data_root`` in the dataset's own 5-column CSV format (cloud-free,
cloudy, S1, land cover, cloud mask; paths relative to ``train/``)::

    splits/train.csv   the training samples of the areas not held out
    splits/val.csv     the held-out areas' samples
    splits/holdout.json  seed, areas and counts

``M3MCRDataset(split='val')`` reads ``splits/val.csv``; training configs read
``splits/train.csv`` (``ann_file``). Both files are written atomically and never
replace an existing split unless asked to.
"""
import csv
import json
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmseg_edc.io import write_atomically

SPLIT_FOLDER = 'splits'
TRAIN_LIST = f'{SPLIT_FOLDER}/train.csv'
VAL_LIST = f'{SPLIT_FOLDER}/val.csv'
SUMMARY = f'{SPLIT_FOLDER}/holdout.json'


def area_of(sample_key: str) -> str:
    """The area (``aoi``) of a key ``<season>_<aoi>_p_<k>``."""
    head, sep, _ = sample_key.rpartition('_p_')
    if not sep or '_' not in head:
        raise ValueError(f'{sample_key!r} is not a key <season>_<aoi>_p_<k>')
    return head.split('_', 1)[1]


def choose_val_areas(areas: Sequence[str], val_fraction: float, seed: int) -> List[str]:
    """``round(val_fraction * len(areas))`` areas (at least 1), drawn with ``seed``.

    The draw depends only on the sorted area names and the seed.
    """
    areas = sorted(set(areas))
    if not 0 < val_fraction < 1:
        raise ValueError(f'val_fraction must lie in (0, 1), got {val_fraction}')
    if len(areas) < 2:
        raise ValueError(f'{len(areas)} area(s): a hold-out needs at least 2')
    count = min(max(1, round(val_fraction * len(areas))), len(areas) - 1)
    rng = np.random.default_rng(seed)
    return sorted(areas[i] for i in rng.choice(len(areas), size=count, replace=False))


def split_rows(rows: Sequence[Sequence[str]], keys: Sequence[str],
               val_areas: Sequence[str]) -> Dict[str, List[Sequence[str]]]:
    """Rows of the areas in ``val_areas`` -> ``'val'``, the others -> ``'train'``."""
    unknown = sorted(set(val_areas) - {area_of(k) for k in keys})
    if unknown:
        raise ValueError(f'validation areas {unknown} have no training sample')
    held = set(val_areas)
    sides = defaultdict(list)
    for row, key in zip(rows, keys):
        sides['val' if area_of(key) in held else 'train'].append(row)
    return dict(train=sides['train'], val=sides['val'])


def write_m3mcr_val_split(data_root: str, rows: Sequence[Sequence[str]],
                          keys: Sequence[str], val_fraction: float = 0.1, seed: int = 0,
                          val_areas: Optional[Sequence[str]] = None,
                          overwrite: bool = False) -> dict:
    """Hold whole areas of the training samples out as the validation split.

    Args:
        data_root (str): the M3M-CR folder (``train/``, ``test/``).
        rows (Sequence[Sequence[str]]): the training samples as 5-column rows, paths
            relative to ``train/`` (``M3MCRDataset(split='train').list_rows()``).
        keys (Sequence[str]): their sample keys.
        val_fraction (float): share of the areas held out (when ``val_areas`` is None).
        seed (int): seed of the draw.
        val_areas (Sequence[str] | None): the areas to hold out instead of a draw.
        overwrite (bool): replace an existing split.

    Returns:
        dict: what ``splits/holdout.json`` holds (seed, areas, sample counts).

    Raises:
        FileExistsError: a split exists and ``overwrite`` is False.
    """
    targets = [osp.join(data_root, p) for p in (TRAIN_LIST, VAL_LIST, SUMMARY)]
    existing = [p for p in targets if osp.exists(p)]
    if existing and not overwrite:
        raise FileExistsError(f'{existing[0]} exists; pass overwrite=True (--overwrite) '
                              'to draw the validation split again')
    areas = sorted({area_of(k) for k in keys})
    chosen = sorted(val_areas) if val_areas is not None else choose_val_areas(
        areas, val_fraction, seed)
    sides = split_rows(rows, keys, chosen)
    for side, path in (('train', targets[0]), ('val', targets[1])):
        write_atomically(path, lambda tmp, side=side: _write_csv(tmp, sides[side]))
    summary = dict(seed=seed, val_fraction=val_fraction if val_areas is None else None,
                   val_areas=chosen, num_areas=len(areas),
                   num_train=len(sides['train']), num_val=len(sides['val']))
    write_atomically(targets[2], lambda tmp: _write_json(tmp, summary))
    return summary


def _write_csv(path, rows):
    with open(path, 'w', newline='') as f:
        csv.writer(f, lineterminator='\r\n').writerows(rows)


def _write_json(path, content):
    with open(path, 'w') as f:
        json.dump(content, f, indent=2)
