"""Train a model from a config with mmengine's Runner (same flags as mmseg's tool).

Examples::

    python tools/train.py configs/references/upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160.py
    python tools/train.py CONFIG --work-dir work_dirs/run1 --resume --amp
    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch
"""
import argparse
import logging

import mmseg_edc  # noqa: F401  (applies compat fixes, registers modules)
import torch
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmseg_edc.utils import add_runner_args, config_argument, load_config, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an mmseg_edc model')
    parser.add_argument('config', type=config_argument,
                        help='config file, or the name of a packaged config (mmseg-edc configs lists them)')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CHECKPOINT',
        help='resume from CHECKPOINT, or from the latest checkpoint of the work '
        'dir when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: float16 with loss scaling on CUDA '
                        '(--amp-dtype bfloat16 for bf16), bfloat16 autocast on CPU')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'], default=None,
                        help='autocast dtype for --amp (default: float16 on CUDA, '
                        'bfloat16 on CPU)')
    return add_runner_args(parser).parse_args(argv)


def build_config(args):
    """Merge the command line into the config."""
    cfg = load_config(args)
    if args.amp:
        enable_amp(cfg, args.amp_dtype)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def enable_amp(cfg, dtype=None):
    """Switch the optimizer wrapper to mixed precision for this machine."""
    if cfg.optim_wrapper.get('type', 'OptimWrapper') in ('AmpOptimWrapper',
                                                          'AutocastOptimWrapper'):
        print_log('mixed precision is already enabled in the config', 'current',
                  logging.WARNING)
    elif torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = dtype or 'float16'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    elif dtype == 'float16':
        raise ValueError('--amp-dtype float16 needs CUDA (loss scaling); on CPU use '
                         'bfloat16')
    else:
        cfg.optim_wrapper.type = 'AutocastOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'
        print_log('no CUDA device: --amp trains with bfloat16 autocast on CPU', 'current')


def main(argv=None):
    cfg = build_config(parse_args(argv))
    Runner.from_cfg(cfg).train()


if __name__ == '__main__':
    run_tool(main)
