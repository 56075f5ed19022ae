"""Cut WHU-OPT-SAR scenes into tiles with seeded synthetic clouds and scene-level splits.

Examples::

    python tools/dataset_converters/whu_opt_sar.py data/whu-opt-sar data/whu-opt-sar-256
    python tools/dataset_converters/whu_opt_sar.py data/whu-opt-sar data/whu-opt-sar-512 \\
        --tile-size 512 --stride 384 --edge pad --num-val-scenes 10 --workers 2
    python tools/dataset_converters/whu_opt_sar.py data/whu-opt-sar /tmp/tiles \\
        --val-scenes NH49E001013 NH49E002015 --seed 3

The input folder is the dataset as distributed (optical/, sar/, lbl/ and
"The division of the dataset.txt"). The output folder must be new or empty, or hold an
earlier conversion (replaced only with --overwrite). The layout, the tile keys and the
cloud recipe are described in mmseg_edc/datasets/whu_opt_sar/converter.py.
"""
import argparse
import json

from mmseg_edc.synthesis import DEFAULT_COVER_RANGE
from mmseg_edc.datasets.whu_opt_sar import EDGE_MODES, convert_whu_opt_sar
from mmseg_edc.datasets.whu_opt_sar.converter import DEFAULT_VAL_SCENES
from mmseg_edc.utils import add_debug_flag, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='WHU-OPT-SAR folder as distributed')
    parser.add_argument('out', help='output folder for the tiles')
    parser.add_argument('--split-file', help='official split file (default: '
                        '<src>/The division of the dataset.txt)')
    parser.add_argument('--tile-size', type=int, default=256, help='tile side in px')
    parser.add_argument('--stride', type=int,
                        help='step between tiles in px (default: the tile size)')
    parser.add_argument('--edge', choices=EDGE_MODES, default='shift',
                        help='last tile shifted inward onto the scene edge (default) or '
                        'padded past it (image 0, label 255)')
    hold_out = parser.add_mutually_exclusive_group()
    hold_out.add_argument('--num-val-scenes', type=int, default=DEFAULT_VAL_SCENES,
                          help='training scenes held out for validation, drawn with '
                          f'--seed (default {DEFAULT_VAL_SCENES})')
    hold_out.add_argument('--val-scenes', nargs='+', metavar='SCENE',
                          help='the training scenes to hold out for validation')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the hold-out draw and of every tile\'s clouds')
    parser.add_argument('--cover-range', type=float, nargs=2, metavar=('LO', 'HI'),
                        default=DEFAULT_COVER_RANGE,
                        help='cloud cover drawn uniformly from [LO, HI] per tile '
                        '(default 0.1 0.9)')
    parser.add_argument('--workers', type=int, default=1,
                        help='scenes converted in parallel (the output does not depend '
                        'on it)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an earlier conversion in the output folder')
    return add_debug_flag(parser).parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    summary = convert_whu_opt_sar(
        args.src, args.out, split_file=args.split_file, tile_size=args.tile_size,
        stride=args.stride, edge=args.edge,
        val_scenes=args.val_scenes or args.num_val_scenes, seed=args.seed,
        cover_range=tuple(args.cover_range), workers=args.workers,
        overwrite=args.overwrite, progress=True)
    print(json.dumps({k: summary[k] for k in ('out_dir', 'scenes', 'tiles', 'cloud_cover',
                                              'val_scenes')}, indent=2))
    print(f"wrote {sum(summary['tiles'].values())} tiles of "
          f"{sum(summary['scenes'].values())} scenes to {summary['out_dir']} in "
          f"{summary['seconds']:.1f} s")


if __name__ == '__main__':
    run_tool(main)
