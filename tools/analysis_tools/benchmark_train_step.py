"""Seconds per training iteration of configs' models, interleaved, as JSON.

One iteration is what the Runner repeats: ``model.train_step(batch, optim_wrapper)``
(data preprocessing, the frozen teacher's forward when the config has one, the
student's forward and backward, the optimizer step). Batches come from the config's
own training pipeline (``--data-root`` overrides its folder) and are read before the
timing starts, so data loading is not timed. Models keep a seeded random
initialisation; a teacher is given its own random weights instead of its checkpoint.

Each round runs ``--iters`` timed iterations of every config (after ``--warmup``
untimed ones in the first round), the order reversing from round to round; reported
per config: the median and range over rounds of seconds per iteration, and the
paired per-round ratio of the first config's time to each other's. ``--clock cpu``
times this process's CPU seconds instead of wall seconds: with ``--threads 1`` the
work done, little changed by other jobs on a shared machine.

Example (the small EDC student on the generated benchmark)::

    python tools/analysis_tools/benchmark_train_step.py \\
        configs/edc/edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py \\
        --data-root data/generated_m3mcr --rounds 5 --threads 2
"""
import argparse
import itertools
import json
import os
import os.path as osp
import sys
import time

import torch
from mmengine.config import DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import MODELS

import mmseg_edc  # noqa: F401  (compat fixes, registration)
from mmseg_edc.io import write_file_atomically
from mmseg_edc.utils import add_debug_flag, read_config, run_tool
from mmseg_edc.utils.efficiency import (interleaved_rounds, machine_settings,
                                        paired_ratios, spread)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('configs', nargs='+', help='training configs (first: baseline)')
    parser.add_argument('--data-root', help="override the training set's data_root")
    parser.add_argument('--batch-size', type=int, help='default: the config\'s')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--iters', type=int, default=2, help='timed iterations per round')
    parser.add_argument('--warmup', type=int, default=2,
                        help='untimed iterations per config before the first round')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--clock', choices=['wall', 'cpu'], default='wall',
                        help='wall seconds, or CPU seconds of this process')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override entries of every config')
    parser.add_argument('--out', help='also write the JSON to this file')
    args = add_debug_flag(parser).parse_args(argv)
    if args.rounds < 1 or args.iters < 1 or args.warmup < 0:
        parser.error('--rounds and --iters must be >= 1, --warmup >= 0')
    if len({osp.abspath(c) for c in args.configs}) < len(args.configs):
        parser.error('give each config once')
    return args


def training_setup(config_path, args):
    """The model (train mode, random teacher), its optimizer wrapper and batches."""
    cfg = read_config(config_path, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    loader = cfg.train_dataloader
    loader.update(num_workers=0, persistent_workers=False)
    if args.data_root:
        loader.dataset.data_root = args.data_root
    if args.batch_size:
        loader.batch_size = args.batch_size
    batches = list(itertools.islice(iter(Runner.build_dataloader(loader, seed=0)),
                                    args.warmup + args.iters))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    teacher = getattr(model, 'teacher', None)
    if teacher is not None:
        teacher.load_checkpoint_weights(teacher.model.state_dict(), 'random weights')
    model.train()
    return model, build_optim_wrapper(model, cfg.optim_wrapper), batches


def time_iterations(model, optim_wrapper, batches, clock=time.perf_counter):
    """Seconds per ``train_step`` over ``batches`` by ``clock``."""
    start = clock()
    for batch in batches:
        model.train_step(batch, optim_wrapper)
    return (clock() - start) / len(batches)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = dict(machine_settings(args.threads, 'fp32'), clock=args.clock,
                    configs=[osp.relpath(c) for c in args.configs], rounds=args.rounds,
                    iters=args.iters, warmup=args.warmup, data_root=args.data_root,
                    cfg_options=args.cfg_options or {})
    settings['load_average_start'] = settings.pop('load_average')
    setups = {osp.relpath(path): training_setup(path, args) for path in args.configs}
    clock = dict(wall=time.perf_counter, cpu=time.process_time)[args.clock]
    for model, optim_wrapper, batches in setups.values():
        if args.warmup:
            time_iterations(model, optim_wrapper, batches[:args.warmup])
    subjects = {name: (lambda s=setup: 1 / time_iterations(s[0], s[1],
                                                           s[2][args.warmup:], clock))
                for name, setup in setups.items()}
    rates = interleaved_rounds(subjects, args.rounds)
    names = list(setups)
    settings['load_average_end'] = [round(x, 2) for x in os.getloadavg()]
    settings['batch_size'] = len(setups[names[0]][2][0]['inputs'])
    report = dict(
        settings=settings,
        results=[dict(config=name, seconds_per_iter=spread([1 / r for r in rates[name]]))
                 for name in names],
        ratios=[dict(config=name, first_over_this=paired_ratios(
            [1 / r for r in rates[names[0]]], [1 / r for r in rates[name]]))
            for name in names[1:]])
    text = json.dumps(report, indent=2)
    print(text)
    for result in report['results']:
        seconds = result['seconds_per_iter']
        print(f"{result['config']}: {seconds['median']:.3f} s/iter "
              f"({seconds['min']:.3f}-{seconds['max']:.3f})", file=sys.stderr)
    if args.out:
        write_file_atomically(args.out, text + '\n')


if __name__ == '__main__':
    run_tool(main)
