"""Parameters, FLOPs and throughput of one or more configs' inference paths, as JSON.

This is the multi-modal counterpart of mmseg's ``tools/analysis_tools/get_flops.py``,
which feeds a 3-channel image: here every count runs on the tensor the network really
takes, with the channel count the model's data preprocessor keeps (6 for cloudy
optical + SAR on M3M-CR, 4 for an optical-only model, any other band layout as
declared), reported as ``input_channels``.

Everything is measured in one run, so the configs can be compared; the first config
is the baseline for the printed ratios. Teachers, distillation losses and auxiliary
heads are left out (inference path only). FLOPs use mmengine's counter (one
multiply-accumulate = one FLOP; fused attention counted as its two matrix products).
A config is a file or the name of a packaged config (``mmseg-edc configs``);
``mmseg-edc efficiency ...`` runs this tool.

Example (the README's efficiency table)::

    python tools/analysis_tools/benchmark_efficiency.py \\
        configs/edc/edc_edc-base_1xb32-30e_m3mcr-160x160.py \\
        configs/edc/edc-no-distill_mit-b4-streams_1xb32-30e_m3mcr-160x160.py \\
        --flops-sizes 160 256 --throughput-size 160 --batch-sizes 1 8 --threads 2
    mmseg-edc efficiency upernet_r18-tiny_optical-only_1xb8-600it_generated-m3mcr-160x160 \\
        --flops-sizes 160 --batch-sizes
"""
import argparse
import json
import os.path as osp
import platform

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmseg_edc  # noqa: F401  (compat fixes, registration)
from mmseg_edc.apis import build_inference_model
from mmseg_edc.io import write_atomically
from mmseg_edc.utils import add_debug_flag, config_argument, run_tool
from mmseg_edc.utils.efficiency import (count_flops, count_parameters,
                                        input_channel_count, measure_throughput)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', type=config_argument,
                        help='config files or packaged config names (first = baseline)')
    parser.add_argument('--flops-sizes', type=int, nargs='*', default=[160, 256],
                        help='square input sides for FLOPs (none: skip)')
    parser.add_argument('--throughput-size', type=int, nargs=2, default=[160, 160],
                        metavar=('H', 'W'), help='input size for throughput')
    parser.add_argument('--batch-sizes', type=int, nargs='*', default=[1, 8],
                        help='batch sizes for throughput (none: skip)')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads(),
                        help='torch CPU threads')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--precision', choices=['fp32', 'bf16', 'fp16'], default='fp32')
    parser.add_argument('--out', help='also write the JSON to this file')
    return add_debug_flag(parser).parse_args(argv)


def benchmark(config_path, args):
    cfg = Config.fromfile(config_path)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = build_inference_model(cfg.model).to(args.device)
    channels = input_channel_count(model)
    result = dict(config=osp.relpath(config_path), input_channels=channels,
                  params=count_parameters(model), flops={}, throughput={})
    for side in args.flops_sizes:
        result['flops'][f'{side}x{side}'] = count_flops(model, (1, channels, side, side))
    height, width = args.throughput_size
    for batch in args.batch_sizes:
        result['throughput'][f'batch{batch}'] = measure_throughput(
            model, (batch, channels, height, width), args.warmup, args.repeats,
            args.device, args.precision)
    return result


def ratios(results):
    """Each config against the first: parameter ratio and throughput speed-up."""
    base = results[0]
    out = []
    for result in results[1:]:
        entry = dict(config=result['config'],
                     params_ratio_to_baseline=result['params'] / base['params'])
        for key, run in result['throughput'].items():
            entry[f'baseline_speedup_{key}'] = (
                base['throughput'][key]['images_per_s'] / run['images_per_s'])
        out.append(entry)
    return out


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    results = [benchmark(path, args) for path in args.configs]
    report = dict(
        settings=dict(threads=args.threads, device=args.device, precision=args.precision,
                      throughput_input=list(args.throughput_size), warmup=args.warmup,
                      repeats=args.repeats, torch=torch.__version__,
                      cpu=platform.processor() or platform.machine()),
        results=results, comparison=ratios(results))
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        def write(temporary):
            with open(temporary, 'w') as f:
                f.write(text + '\n')
        write_atomically(args.out, write)
    return report


if __name__ == '__main__':
    run_tool(main)
