"""Test a checkpoint with mmengine's Runner (same flags as mmseg's tool).

The checkpoint must fit the model exactly (``StrictCheckpointHook``): one of another
model is refused, naming its missing, unexpected and reshaped weights.

Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --out preds/ --show-dir vis/
"""
import argparse
import os.path as osp

import mmseg_edc  # noqa: F401  (applies compat fixes, registers modules)
from mmengine.runner import Runner

from mmseg_edc.apis import strip_teacher
from mmseg_edc.utils import add_runner_args, config_argument, load_config, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test an mmseg_edc model')
    parser.add_argument('config', type=config_argument,
                        help='config file, or the name of a packaged config (mmseg-edc configs lists them)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='folder to save the predicted label maps (PNG, class ids)')
    parser.add_argument(
        '--show-dir', help='folder to save one visualisation panel per sample')
    parser.add_argument('--show', action='store_true',
                        help='show the panels in a window')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='seconds each shown panel stays')
    parser.add_argument('--tta', action='store_true',
                        help='test time augmentation (needs tta_model and '
                        'tta_pipeline in the config)')
    return add_runner_args(parser).parse_args(argv)


def _evaluators(cfg_evaluator):
    return cfg_evaluator if isinstance(cfg_evaluator, list) else [cfg_evaluator]


def build_config(args):
    """Merge the command line into the config."""
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} not found')
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    # only the student runs at inference (its checkpoint holds no teacher), so the
    # teacher's and distillation loss's weights need not fit
    cfg.model = strip_teacher(cfg.model)
    cfg.custom_hooks = [*cfg.get('custom_hooks', []),
                        dict(type='StrictCheckpointHook',
                             left_out=['teacher', 'distill_loss'])]
    if args.show or args.show_dir:
        hook = cfg.default_hooks.get('visualization')
        if hook is None:
            raise ValueError(
                f'{args.config} has no default_hooks.visualization; add '
                "dict(type='OpticalSARVisualizationHook') to draw predictions.")
        hook.draw = True
        if args.show:
            hook.show = True
            hook.wait_time = args.wait_time
        if args.show_dir:
            cfg.visualizer.save_dir = args.show_dir
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        for evaluator in _evaluators(cfg.test_evaluator):
            if evaluator.get('type', '').endswith('IoUMetric'):
                evaluator.output_dir = args.out
                evaluator.keep_results = True
    return cfg


def main(argv=None):
    cfg = build_config(parse_args(argv))
    Runner.from_cfg(cfg).test()


if __name__ == '__main__':
    run_tool(main)
