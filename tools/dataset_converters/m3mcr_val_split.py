"""Hold whole areas of M3M-CR's training split out as its validation split.

Example::

    python tools/dataset_converters/m3mcr_val_split.py data/M3M-CR --val-fraction 0.1 --seed 0

Writes ``splits/train.csv`` and ``splits/val.csv`` (the dataset's 5-column format,
paths relative to ``train/``) and ``splits/holdout.json`` under the data root; the
M3M-CR configs train on the first and select checkpoints on the second, so the test
split is touched only by tools/test.py. See mmseg_edc/datasets/m3mcr_splits.py.
"""
import argparse
import json

from mmseg_edc.datasets import M3MCRDataset
from mmseg_edc.datasets.m3mcr_dataset import sample_key_from_cloudy_path
from mmseg_edc.datasets.m3mcr_splits import write_m3mcr_val_split
from mmseg_edc.utils import add_debug_flag, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('data_root', help='the M3M-CR folder (train/, test/)')
    parser.add_argument('--ann-file', help="the training split's own 5-column CSV "
                        '(default: scan train/)')
    parser.add_argument('--val-fraction', type=float, default=0.1,
                        help='share of the training areas held out (default 0.1)')
    parser.add_argument('--val-areas', nargs='+',
                        help='hold out these areas (the <aoi> of <season>_<aoi>_p_<k>)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing splits/train.csv and splits/val.csv')
    return add_debug_flag(parser).parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    train = M3MCRDataset(args.data_root, split='train', ann_file=args.ann_file,
                         pipeline=[], lazy_init=True)
    rows, _ = train.listed_rows()
    keys = [sample_key_from_cloudy_path(row[1]) for row in rows]
    summary = write_m3mcr_val_split(args.data_root, rows, keys, args.val_fraction,
                                    args.seed, args.val_areas, args.overwrite)
    print(json.dumps(summary, indent=2))


if __name__ == '__main__':
    run_tool(main)
