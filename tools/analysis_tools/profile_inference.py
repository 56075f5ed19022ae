"""Where the inference path of a config spends its time: torch.profiler tables as JSON/text.

Runs tensor-mode inference (no grad, teacher and auxiliary heads left out, random
weights unless ``--checkpoint``) on random inputs, first ``--warmup`` times unprofiled,
then ``--repeats`` times under ``torch.profiler``, and writes three tables:

- per operator (``aten::...``): self CPU time, its share of the profiled time, calls
  (the rest of the time, ``outside_operators_share``, is spent in the modules' own
  Python code between operators);
- per module up to ``--module-depth`` levels below the segmentor (time includes
  submodules), with the module class (modules run through ``forward_streams`` and
  the like count too: ``mmseg_edc.utils.module_scopes``);
- per module class (``Linear``, ``DCHF``, ...): the time of each module of that class
  summed, outermost instances only (a class nested in itself is not counted twice).

Shares are what to read on a shared machine: absolute times move with the load, the
shares much less (one thread moves them least). Module times come from
``record_function`` ranges around each module call, so they include the operators the
module runs and nothing else.

Example (EDC-base at 256 x 256, batch 8)::

    python tools/analysis_tools/profile_inference.py \\
        configs/edc/edc_edc-base_1xb32-30e_m3mcr-160x160.py \\
        --size 256 256 --batch 8 --threads 2 --out-dir work_dirs/profile_edc-base
"""
import argparse
import json
import os.path as osp
import time
from collections import defaultdict

import torch
from mmengine.config import DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

import mmseg_edc  # noqa: F401  (compat fixes, registration)
from mmseg_edc.apis import build_inference_model
from mmseg_edc.io import write_file_atomically
from mmseg_edc.utils import add_debug_flag, read_config, run_tool
from mmseg_edc.utils.efficiency import (autocast_context, input_channel_count,
                                        machine_settings)
from mmseg_edc.utils.module_scopes import ModuleScopes

#: Prefix of the profiler ranges that mark module forwards.
MODULE_RANGE = 'module::'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='model config')
    parser.add_argument('--checkpoint', help='weights (default: random initialisation)')
    parser.add_argument('--size', type=int, nargs=2, default=[256, 256],
                        metavar=('H', 'W'), help='input size')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--threads', type=int, default=torch.get_num_threads(),
                        help='torch CPU threads')
    parser.add_argument('--precision', choices=['fp32', 'bf16'], default='fp32')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=2, help='profiled forwards')
    parser.add_argument('--module-depth', type=int, default=4,
                        help='module levels below the segmentor in the module table')
    parser.add_argument('--rows', type=int, default=40,
                        help='rows of each text table (the JSON keeps all)')
    parser.add_argument('--shapes', action='store_true',
                        help='also tabulate operators by input shapes (slower profiling)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. '
                        "model.backbone.stream_cfg.window_partition=fixed")
    parser.add_argument('--out-dir', help='write profile.json and profile.txt here')
    return add_debug_flag(parser).parse_args(argv)


def module_ranges(model, depth):
    """Profiler ranges ``module::<name>`` around the modules at most ``depth`` levels
    below the segmentor (:class:`ModuleScopes`); returns the scopes and the class of
    each named module."""
    classes = {name: type(module).__name__ for name, module in model.named_modules()
               if name and name.count('.') < depth}
    scopes = ModuleScopes(model, lambda name, module: name in classes,
                          lambda name: torch.profiler.record_function(MODULE_RANGE + name))
    return scopes, classes


def op_table(events, total_us, shapes=False):
    """Operators by self CPU time: ``name, self_ms, share, calls`` (largest first),
    with ``shapes`` (their input shapes) when the events are grouped by shape."""
    rows = [dict(name=e.key, self_ms=e.self_cpu_time_total / 1e3,
                 share=e.self_cpu_time_total / total_us, calls=e.count,
                 **(dict(shapes=str(e.input_shapes)) if shapes else {}))
            for e in events if not e.key.startswith(MODULE_RANGE)]
    return sorted(rows, key=lambda r: -r['self_ms'])


def module_tables(events, classes, total_us):
    """Per module (inclusive time) and per module class (outermost instances)."""
    times = {e.key[len(MODULE_RANGE):]: e.cpu_time_total for e in events
             if e.key.startswith(MODULE_RANGE)}
    modules = sorted(
        (dict(name=name, type=classes.get(name, '?'), total_ms=us / 1e3,
              share=us / total_us) for name, us in times.items()),
        key=lambda r: -r['total_ms'])
    by_class = defaultdict(float)
    for name, us in times.items():
        parts = name.split('.')
        ancestors = ('.'.join(parts[:i]) for i in range(1, len(parts)))
        if all(classes.get(a) != classes.get(name) for a in ancestors):
            by_class[classes.get(name, '?')] += us
    classes_table = sorted(
        (dict(type=cls, total_ms=us / 1e3, share=us / total_us)
         for cls, us in by_class.items()), key=lambda r: -r['total_ms'])
    return modules, classes_table


def text_table(rows, columns, limit):
    """A fixed-width table of the first ``limit`` rows."""
    def cell(value):
        return f'{value:.3f}' if isinstance(value, float) else str(value)
    lines = [' | '.join(columns)]
    lines += [' | '.join(cell(row[c]) for c in columns) for row in rows[:limit]]
    return '\n'.join(lines)


def profile(args):
    cfg = read_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    torch.manual_seed(0)
    model = build_inference_model(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    inputs = torch.randn(args.batch, input_channel_count(model), *args.size)
    ranges, classes = module_ranges(model, args.module_depth)
    with torch.no_grad(), autocast_context('cpu', args.precision):
        for _ in range(args.warmup):
            model(inputs, mode='tensor')
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU],
                                    record_shapes=args.shapes) as prof:
            start = time.perf_counter()
            for _ in range(args.repeats):
                model(inputs, mode='tensor')
            seconds = time.perf_counter() - start
    ranges.remove()
    events = prof.key_averages()
    total_us = sum(e.self_cpu_time_total for e in events)
    modules, class_table = module_tables(events, classes, total_us)
    return dict(
        settings=dict(config=osp.relpath(args.config), input=list(inputs.shape),
                      repeats=args.repeats, warmup=args.warmup,
                      cfg_options=args.cfg_options or {},
                      **machine_settings(args.threads, args.precision)),
        seconds_per_forward_profiled=seconds / args.repeats,
        profiled_cpu_ms=total_us / 1e3,
        outside_operators_share=sum(e.self_cpu_time_total for e in events
                                    if e.key.startswith(MODULE_RANGE)) / total_us,
        ops=op_table(events, total_us), modules=modules, module_classes=class_table,
        **(dict(ops_by_shape=op_table(prof.key_averages(group_by_input_shape=True),
                                      total_us, shapes=True)) if args.shapes else {}))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    report = profile(args)
    text = '\n\n'.join([
        json.dumps(report['settings']),
        f"seconds per forward under the profiler: {report['seconds_per_forward_profiled']:.3f}"
        f"; outside operators: {report['outside_operators_share']:.1%}",
        'operators (self time):\n' + text_table(
            report['ops'], ['name', 'self_ms', 'share', 'calls'], args.rows),
        *(['operators by input shapes (self time):\n' + text_table(
            report['ops_by_shape'], ['name', 'self_ms', 'share', 'calls', 'shapes'],
            args.rows)] if args.shapes else []),
        'module classes (outermost instances):\n' + text_table(
            report['module_classes'], ['type', 'total_ms', 'share'], args.rows),
        'modules (inclusive):\n' + text_table(
            report['modules'], ['name', 'type', 'total_ms', 'share'], args.rows)])
    print(text)
    if args.out_dir:
        for name, content in (('profile.json', json.dumps(report, indent=1) + '\n'),
                              ('profile.txt', text + '\n')):
            write_file_atomically(osp.join(args.out_dir, name), content)


if __name__ == '__main__':
    run_tool(main)
