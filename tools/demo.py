"""The embedded default job: generate the benchmark, train, test, draw predictions.

Runs on CPU with no data to download (``make demo``):

1. writes the generated M3M-CR-format benchmark to ``--data-root`` (skipped when a
   complete one is already there);
2. trains each requested model with ``tools/train.py``; EDC (the default) is two runs:
   the teacher (cloud-free optical + SAR), then the student distilled from it;
3. tests each with ``tools/test.py --show-dir``, printing mIoU, OA, mAcc and FWIoU over
   all, cloud-free and cloudy pixels (and the cloud-removal PSNR for EDC), and writing
   one panel per test sample;
4. prints a comparison table and writes it as JSON to ``<work-dir>/summary.json``.

Every step is the command a user would type, run as a subprocess from the current
directory (``--data-root`` and ``--work-dir`` are relative to it; the tools and configs
come from this checkout or, installed, from the package: ``mmseg-edc demo``). A step
that fails (it prints its own error) stops the demo with the step's exit status, and
SIGTERM is passed on to the running step so that it cleans up. A teacher validates on
the held-out areas at the end of its training (its student refuses a teacher below
``min_val_miou``); the tested model does not (the test step scores its last checkpoint).
A finished training is not run again (``make clean-demo`` starts over).
"""
import argparse
import json
import os
import os.path as osp
import time

from mmseg_edc.experiments import (MODEL_RECIPES, NO_VALIDATION, REPORTED_METRICS,
                                   StepRunner)
from mmseg_edc.experiments.steps import ensure_generated_benchmark
from mmseg_edc.utils import add_debug_flag, run_tool


def train_and_test(name, runner, work_dir):
    """Train the recipe of model ``name`` (shared configs once), test its last config
    with one panel per sample, and return the reported metrics."""
    configs = MODEL_RECIPES[name]
    runner.train_chain(configs)
    metrics = runner.test(configs[-1], show_dir=osp.join(work_dir, name, 'panels'))
    return {k: metrics[k] for k in REPORTED_METRICS if k in metrics}


def print_table(summary):
    header = f"{'model':<14}" + ''.join(f'{k:>13}' for k in REPORTED_METRICS)
    print('\nGenerated benchmark, test split (percent; PSNR in dB):')
    print(header)
    for name, metrics in summary.items():
        print(f'{name:<14}' + ''.join(
            f"{metrics[k]:>13.2f}" if k in metrics else f"{'-':>13}"
            for k in REPORTED_METRICS))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--data-root', default='data/generated_m3mcr')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-train', type=int, default=200)
    parser.add_argument('--num-val', type=int, default=40)
    parser.add_argument('--num-test', type=int, default=60)
    parser.add_argument('--models', nargs='+', default=['edc'], choices=list(MODEL_RECIPES),
                        help='models to train and test (default: edc). optical-only '
                        'and early-fusion are the reference models, edc-* the ablations')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='extra overrides passed to every training run')
    args = add_debug_flag(parser).parse_args(argv)
    start = time.time()

    ensure_generated_benchmark(args.data_root, 0,
                               (args.num_train, args.num_val, args.num_test),
                               debug=args.debug)
    data_options = [f'{loader}.dataset.data_root={args.data_root}'
                    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    runner = StepRunner(
        args.work_dir, train_options=data_options + list(args.cfg_options),
        test_options=data_options, tested_options=NO_VALIDATION,
        debug=args.debug)
    summary = {name: train_and_test(name, runner, args.work_dir) for name in args.models}
    print_table(summary)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'summary.json'), 'w') as f:
        json.dump(dict(metrics=summary, seconds=round(time.time() - start, 1)), f, indent=2)
    print(f'\ndone in {time.time() - start:.0f} s; prediction panels under '
          f'{args.work_dir}/<model>/panels')


if __name__ == '__main__':
    run_tool(main)
