"""Train a model from a config with mmengine's Runner (same flags as mmseg's tool).

Examples::

    python tools/train.py configs/references/upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160.py
    python tools/train.py CONFIG --work-dir work_dirs/run1 --resume --amp
    python tools/train.py CONFIG --work-dir work_dirs/run1 --resume-or-start
    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch
"""
import argparse
import logging
import os.path as osp

import mmseg_edc  # noqa: F401  (applies compat fixes, registers modules)
import torch
from mmengine.logging import print_log
from mmengine.runner import Runner, find_latest_checkpoint

from mmseg_edc.utils import add_runner_args, config_argument, load_config, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an mmseg_edc model')
    parser.add_argument('config', type=config_argument,
                        help='config file, or the name of a packaged config '
                        '(mmseg-edc configs lists them)')
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='CHECKPOINT',
        help='resume from CHECKPOINT, or from the latest checkpoint of the work '
        'dir when no path is given; an error when there is none')
    resume.add_argument(
        '--resume-or-start', action='store_true',
        help='resume from the latest checkpoint of the work dir, or start a new run '
        'when it has none')
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
    if args.resume is not None or args.resume_or_start:
        explicit = None if args.resume in (None, 'auto') else args.resume
        checkpoint = resume_checkpoint(cfg.work_dir, explicit)
        if checkpoint is None and not args.resume_or_start:
            raise FileNotFoundError(
                f'--resume: nothing to resume from in {cfg.work_dir} (no last_checkpoint '
                'file); train without --resume, or use --resume-or-start to start a '
                'new run when there is no checkpoint')
        if checkpoint is None:
            print_log(f'--resume-or-start: no checkpoint in {cfg.work_dir}, starting a '
                      'new run', 'current')
        else:
            cfg.resume = True
            cfg.load_from = checkpoint
            use_checkpoint_seed(cfg, checkpoint)
    return cfg


def is_local(path):
    return '://' not in path


def resume_checkpoint(work_dir, checkpoint=None):
    """The checkpoint to resume from: ``checkpoint``, else the one the work dir's
    ``last_checkpoint`` names, else None.

    Raises:
        FileNotFoundError: the checkpoint named (by the user or by
            ``last_checkpoint``) is not a file.
    """
    if checkpoint is None:
        checkpoint = find_latest_checkpoint(work_dir)
        source = f'{osp.join(work_dir, "last_checkpoint")} names'
    else:
        source = '--resume'
    if checkpoint is not None and is_local(checkpoint) and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'{source} {checkpoint}, which is not a file')
    return checkpoint


def use_checkpoint_seed(cfg, checkpoint):
    """Train the resumed run with the seed of the run it continues.

    The train sampler's order and the dataloader workers' seeds are fixed from
    ``randomness.seed`` when the dataloader is built, before mmengine reads the
    checkpoint: a config without a seed would draw a new one and another sample
    order. mmengine already re-seeds the global generators with the checkpoint's
    seed; this gives the sampler and workers the same one.
    """
    if not is_local(checkpoint):
        return
    seed = torch.load(checkpoint, map_location='cpu', mmap=True,
                      weights_only=False).get('meta', {}).get('seed')
    randomness = cfg.setdefault('randomness', {})
    if seed is None or randomness.get('seed') == seed:
        return
    if randomness.get('seed') is not None:
        print_log(f'resuming with the checkpoint\'s seed {seed}, not the config\'s '
                  f'{randomness["seed"]}', 'current', logging.WARNING)
    randomness['seed'] = seed


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
