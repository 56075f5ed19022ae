"""Browse a config's dataset as the model sees it: one panel per sample, every modality.

mmseg's ``browse_dataset.py`` draws ``img`` as an 8-bit picture with the label over it;
an optical-SAR sample has 16-bit multispectral and SAR images and a label on a coarser
grid. This tool builds the config's train (or val / test) dataset with its pipeline,
geometric transforms included, and draws each packed sample with the panel of
``tools/test.py --show-dir`` (``mmseg_edc.visualization``): cloudy optical true colour,
SAR, cloud-free optical, cloud mask, and the label on its own grid brought to the image,
in the dataset palette with a class legend.

Examples::

    python tools/analysis_tools/browse_dataset.py \\
        configs/edc/edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py \\
        --output-dir browse/ --not-show --num-samples 20
    mmseg-edc browse edc_edc-small_1xb8-400it_generated-m3mcr-160x160 --split val \\
        --output-dir browse_val/ --not-show --legend all

Panels are written as ``<output-dir>/<sample_key>.png`` (each file complete or absent).
"""
import argparse
import os.path as osp

import cv2
from mmengine.utils import ProgressBar
from mmengine.visualization import Visualizer

import mmseg_edc  # noqa: F401  (compat fixes, registration)
from mmseg_edc.io import write_atomically
from mmseg_edc.utils import add_dataset_args, read_config, run_tool, split_dataset
from mmseg_edc.visualization import render_data_sample
from mmseg_edc.visualization.panel import LEGEND_MODES

DEFAULT_RGB_BANDS = (2, 1, 0)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--output-dir', help='folder to write one PNG per sample')
    parser.add_argument('--not-show', action='store_true',
                        help='do not show the panels in a window')
    parser.add_argument('--show-interval', type=float, default=2,
                        help='seconds each shown panel stays')
    parser.add_argument('--num-samples', type=int,
                        help='browse the first N samples (default: all)')
    parser.add_argument('--legend', choices=LEGEND_MODES, default='present',
                        help='class legend: classes in the label (present), all, none')
    parser.add_argument('--rgb-bands', type=int, nargs=3, metavar=('R', 'G', 'B'),
                        help='optical bands shown as red, green, blue (default: the '
                        "config's visualization hook, else 2 1 0)")
    return add_dataset_args(parser).parse_args(argv)


def rgb_bands_of(cfg, chosen):
    """``--rgb-bands``, else the visualization hook's ``rgb_bands``, else B, G, R."""
    if chosen:
        return tuple(chosen)
    hook = cfg.get('default_hooks', {}).get('visualization') or {}
    return tuple(hook.get('rgb_bands', DEFAULT_RGB_BANDS))


def write_png(path, panel):
    """Write an RGB ``H x W x 3`` uint8 panel as a PNG, atomically."""
    ok, encoded = cv2.imencode('.png', panel[..., ::-1])
    if not ok:
        raise OSError(f'could not encode the panel for {path} as PNG')

    def write(temporary):
        with open(temporary, 'wb') as f:
            f.write(encoded.tobytes())
    write_atomically(path, write)


def main(argv=None):
    args = parse_args(argv)
    if args.not_show and not args.output_dir:
        raise ValueError('nothing to do: give --output-dir, or drop --not-show')
    if args.num_samples is not None and args.num_samples < 1:
        raise ValueError(f'--num-samples must be positive, got {args.num_samples}')
    cfg = read_config(args.config, args.cfg_options)
    dataset = split_dataset(cfg, args.split)
    rgb_bands = rgb_bands_of(cfg, args.rgb_bands)
    count = len(dataset) if args.num_samples is None else min(args.num_samples,
                                                              len(dataset))
    visualizer = None if args.not_show else Visualizer.get_instance('browse_dataset')
    bar = ProgressBar(count)
    written = []
    for index in range(count):
        packed = dataset[index]
        sample = packed['data_samples']
        panel = render_data_sample(packed['inputs'], sample, dataset.metainfo,
                                   rgb_bands, args.legend)
        key = sample.metainfo.get('sample_key', f'sample_{index}')
        if args.output_dir:
            path = osp.join(args.output_dir, f'{key}.png')
            write_png(path, panel)
            written.append(path)
        if visualizer is not None:
            visualizer.show(panel, win_name=key, wait_time=args.show_interval)
        bar.update()
    bar.file.write('\n')
    if args.output_dir:
        print(f'wrote {len(written)} panels of the {args.split} split to '
              f'{args.output_dir}')
    return written


if __name__ == '__main__':
    run_tool(main)
