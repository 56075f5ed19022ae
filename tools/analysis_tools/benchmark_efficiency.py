"""Parameters, FLOPs and throughput of configs' inference paths, fair on a shared machine.

All configs are measured in one process, in interleaved rounds: for every setting
(precision, input size, batch) each round times every model once, plus the machine's
dense matmul rate in fp32 and bf16, the order reversing from one round to the next
(A, B, then B, A, ...), so a change in the load hits all subjects alike. Reported per
setting:

- per model: the median and range of images/s over the rounds; the achieved rate
  (multiply-accumulates of the batch / seconds) and its fraction of the same round's
  matmul rate at the setting's precision, both as medians over rounds;
- per other config: the round-by-round ratio of the first config's images/s to its
  own (paired ratios), their median and range;
- the settings: threads, precision, torch, CPU, load average at start and end and
  the one-minute load average of every round.

Teachers, distillation losses and auxiliary heads are left out (inference path
only), and the models keep their random initialisation. FLOPs use mmengine's counter
(one multiply-accumulate = one FLOP; fused attention counted as its two matrix
products), counted once per throughput input and batch (per image; precisions share
the count), and at the ``--flops-sizes`` for the table.

This is also the multi-modal counterpart of mmseg's
``tools/analysis_tools/get_flops.py``, which feeds a 3-channel image: here every count
runs on the tensor the network really takes, with the channel count the model's data
preprocessor keeps (6 for cloudy optical + SAR on M3M-CR, 4 for an optical-only model,
any other band layout as declared), reported per config as ``input_channels``;
``--batch-sizes`` without a value counts only. A config is a file or the name of a
packaged config (``mmseg-edc configs``); ``mmseg-edc efficiency ...`` runs this tool.

Example (EDC-base against the CloudSeg-sized reference)::

    python tools/analysis_tools/benchmark_efficiency.py \\
        configs/edc/edc_edc-base_1xb32-30e_m3mcr-160x160.py \\
        configs/edc/edc-no-distill_mit-b4-streams_1xb32-30e_m3mcr-160x160.py \\
        --inputs 256x256 160x160 --batch-sizes 1 8 --rounds 5 --threads 2
    mmseg-edc efficiency upernet_r18-tiny_optical-only_1xb8-600it_generated-m3mcr-160x160 \\
        --flops-sizes 160 --batch-sizes
"""
import argparse
import json
import os
import os.path as osp
import re
import sys

import torch
from mmengine.config import DictAction
from mmengine.registry import init_default_scope

import mmseg_edc  # noqa: F401  (compat fixes, registration)
from mmseg_edc.apis import build_inference_model
from mmseg_edc.io import write_file_atomically
from mmseg_edc.utils import add_debug_flag, config_argument, read_config, run_tool
from mmseg_edc.utils.efficiency import (count_flops, count_parameters,
                                        input_channel_count, interleaved_rounds,
                                        machine_settings, matmul_rate, paired_ratios,
                                        spread, time_inference)

#: The matmul rates measured in every round, whatever the models' precision (plus
#: the setting's own precision when it is another, e.g. fp16 on a GPU).
MATMUL_PRECISIONS = ('fp32', 'bf16')


def matmul_precisions(precision):
    """The matmul rates one setting measures: ``MATMUL_PRECISIONS`` and its own."""
    return MATMUL_PRECISIONS + ((precision,) if precision not in MATMUL_PRECISIONS else ())


def input_size(text):
    """``'256x192'`` -> ``(256, 192)`` (height x width); ``'256'`` -> ``(256, 256)``."""
    match = re.fullmatch(r'(\d+)(?:x(\d+))?', text)
    if not match:
        raise argparse.ArgumentTypeError(f'input size must be HxW or a side, got {text!r}')
    height = int(match.group(1))
    return height, int(match.group(2) or height)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('configs', nargs='+', type=config_argument,
                        help='config files or packaged config names; the first is '
                             'compared with each other')
    parser.add_argument('--inputs', type=input_size, nargs='+', default=[(256, 256)],
                        metavar='HxW', help='throughput input sizes')
    parser.add_argument('--batch-sizes', type=int, nargs='*', default=[1, 8],
                        help='throughput batch sizes (none: count only)')
    parser.add_argument('--precisions', nargs='+', choices=['fp32', 'bf16', 'fp16'],
                        default=['fp32'],
                        help='fp32 and/or autocast to bf16 or fp16 (fp16: CUDA only)')
    parser.add_argument('--rounds', type=int, default=5,
                        help='interleaved rounds per setting')
    parser.add_argument('--repeats', type=int, default=1,
                        help='timed batches per model and round')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed batches per model and round (caches after a switch)')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads(),
                        help='torch CPU threads')
    parser.add_argument('--device', default='cpu', help="'cpu' or a CUDA device")
    parser.add_argument('--flops-sizes', type=int, nargs='*', default=[160, 256],
                        help='square sides for the FLOP table (batch 1)')
    parser.add_argument('--matmul-size', type=int, default=2048,
                        help='side of the square matrices of the matmul rate')
    parser.add_argument('--matmul-seconds', type=float, default=0.5,
                        help='time spent on each matmul rate per round')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override entries of every config')
    parser.add_argument('--out', help='also write the JSON to this file')
    args = add_debug_flag(parser).parse_args(argv)
    if args.rounds < 1 or args.repeats < 1 or args.warmup < 0:
        parser.error('--rounds and --repeats must be >= 1, --warmup >= 0')
    if len({osp.abspath(c) for c in args.configs}) < len(args.configs):
        parser.error('give each config once')
    return args


def build_model(config_path, cfg_options, device):
    cfg = read_config(config_path, cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    torch.manual_seed(0)
    return build_inference_model(cfg.model).to(device)


def batch_shape(model, size, batch):
    """The input tensor's shape for ``model``: ``batch x channels x H x W``."""
    return (batch, input_channel_count(model), *size)


def benchmark_setting(models, precision, size, batch, args, macs):
    """Interleaved rounds of every model and the matmul rates for one setting;
    ``macs`` holds each model's multiply-accumulates for the whole batch."""
    inputs = {name: torch.randn(*batch_shape(model, size, batch), device=args.device)
              for name, model in models.items()}
    subjects = {f'matmul/{p}': (lambda p=p: matmul_rate(p, args.matmul_size,
                                                        args.matmul_seconds, args.device))
                for p in matmul_precisions(precision)}
    subjects.update({
        name: (lambda name=name: time_inference(models[name], inputs[name], args.repeats,
                                                args.warmup, precision, args.device))
        for name in models})
    loads = []

    def with_load(measure):
        def run():
            loads.append(round(os.getloadavg()[0], 2))
            return measure()
        return run

    rates = interleaved_rounds({k: with_load(v) for k, v in subjects.items()}, args.rounds)
    matmul = rates[f'matmul/{precision}']
    names = list(models)
    per_model = []
    for name in names:
        images = rates[name]
        achieved = [rate * macs[name] / batch for rate in images]
        per_model.append(dict(
            config=name, macs_per_image=macs[name] / batch, images_per_s=spread(images),
            achieved_macs_per_s=spread(achieved),
            fraction_of_matmul=spread([a / m for a, m in zip(achieved, matmul)])))
    return dict(
        precision=precision, input=list(size), batch=batch,
        matmul_macs_per_s={p: spread(rates[f'matmul/{p}'])
                           for p in matmul_precisions(precision)},
        models=per_model,
        ratios=[dict(config=name, first_over_this=paired_ratios(rates[names[0]],
                                                                rates[name]))
                for name in names[1:]],
        load_average_per_measurement=loads)


def summary_lines(results):
    """One line per model and setting: median images/s, range, share of the matmul
    rate, and the median paired ratio of the first model over it."""
    lines = []
    for result in results:
        setting = f"{result['precision']} {result['input'][0]}x{result['input'][1]} " \
                  f"batch {result['batch']}"
        ratios = {r['config']: r['first_over_this'] for r in result['ratios']}
        for model in result['models']:
            images = model['images_per_s']
            line = (f"{setting}: {model['config']}: {images['median']:.2f} img/s "
                    f"({images['min']:.2f}-{images['max']:.2f}), "
                    f"{model['fraction_of_matmul']['median']:.0%} of matmul")
            if model['config'] in ratios:
                line += f", first / this {ratios[model['config']]['median']:.2f}x"
            lines.append(line)
    return lines


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = dict(machine_settings(args.threads, ','.join(args.precisions), args.device),
                    device=args.device,
                    configs=[osp.relpath(c) for c in args.configs],
                    cfg_options=args.cfg_options or {}, rounds=args.rounds,
                    repeats=args.repeats, warmup=args.warmup,
                    matmul_size=args.matmul_size, matmul_seconds=args.matmul_seconds)
    settings['load_average_start'] = settings.pop('load_average')
    models = {osp.relpath(path): build_model(path, args.cfg_options, args.device)
              for path in args.configs}
    summary = [dict(config=name, input_channels=input_channel_count(model),
                    params=count_parameters(model),
                    flops={f'{side}x{side}': count_flops(
                        model, batch_shape(model, (side, side), 1))
                        for side in args.flops_sizes})
               for name, model in models.items()]
    # one count per input and batch, shared by the precisions (a count traces the
    # whole model)
    macs = {(size, batch): {
        name: count_flops(model, batch_shape(model, size, batch))['flops']
        for name, model in models.items()}
        for size in args.inputs for batch in args.batch_sizes}
    results = [benchmark_setting(models, precision, size, batch, args, macs[size, batch])
               for precision in args.precisions for size in args.inputs
               for batch in args.batch_sizes]
    settings['load_average_end'] = [round(x, 2) for x in os.getloadavg()]
    report = dict(settings=settings, models=summary, throughput=results)
    text = json.dumps(report, indent=2)
    print(text)
    print('\n'.join(summary_lines(results)), file=sys.stderr)
    if args.out:
        write_file_atomically(args.out, text + '\n')
    return report


if __name__ == '__main__':
    run_tool(main)
