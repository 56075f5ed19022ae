"""Generate the default benchmark: synthetic tiles in exactly the M3M-CR layout.

Examples::

    python tools/dataset_converters/generate_m3mcr_benchmark.py --out-dir data/generated_m3mcr
    python tools/dataset_converters/generate_m3mcr_benchmark.py --out-dir /tmp/tiny \\
        --num-train 4 --num-val 2 --num-test 2 --seed 1 --workers 2
    # the same test scenes under 60-95 % cloud cover
    python tools/dataset_converters/generate_m3mcr_benchmark.py \\
        --out-dir data/generated_m3mcr_heavy --splits test --cover-range 0.6 0.95

The output folder must be new or empty, or hold an earlier generation (replaced only
with --overwrite when that one completed). See mmseg_edc/synthesis/m3mcr_benchmark.py.
"""
import argparse
import json

from mmseg_edc.synthesis import generate_m3mcr_benchmark
from mmseg_edc.utils import add_debug_flag, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out-dir', default='data/generated_m3mcr',
                        help='output folder (default: data/generated_m3mcr)')
    parser.add_argument('--num-train', type=int, default=200, help='train samples')
    parser.add_argument('--num-val', type=int, default=40,
                        help='validation samples: whole areas written into train/ and held '
                        'out (splits/train.csv, splits/val.csv)')
    parser.add_argument('--num-test', type=int, default=60, help='test samples')
    parser.add_argument('--cover-range', type=float, nargs=2, default=[0.0, 0.9],
                        metavar=('LO', 'HI'), help='cloud cover drawn uniformly in it')
    parser.add_argument('--splits', nargs='+', default=['train', 'val', 'test'],
                        choices=['train', 'val', 'test'], help='the splits to write')
    parser.add_argument('--seed', type=int, default=0, help='generation seed')
    parser.add_argument('--workers', type=int, default=1,
                        help='parallel processes (the output does not depend on it)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace a complete earlier generation in --out-dir')
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bar (it goes to stderr; stdout gets the summary)')
    return add_debug_flag(parser).parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    summary = generate_m3mcr_benchmark(
        args.out_dir, num_train=args.num_train, num_test=args.num_test,
        seed=args.seed, workers=args.workers, overwrite=args.overwrite,
        progress=not args.no_progress, num_val=args.num_val,
        cover_range=tuple(args.cover_range), splits=tuple(args.splits))
    print(json.dumps(summary, indent=2))
    print(f"wrote {summary['num_train']} train + {summary['num_val']} val + "
          f"{summary['num_test']} test samples to {summary['out_dir']} in "
          f"{summary['seconds']:.1f} s")


if __name__ == '__main__':
    run_tool(main)
