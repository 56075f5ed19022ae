"""How far reduced-precision (bf16 autocast) inference strays from fp32, as JSON.

Runs a config's inference path (``test_step``: its test-time mode, slide windows
included, predictions on the label grid) over the first ``--num-samples`` samples of
its test set twice, in fp32 and under CPU autocast, and reports the fraction of
label pixels whose predicted class agrees, per sample and overall, with the relative
difference of the logits and the fp32 logit margin (top-1 minus top-2: small margins
flip first). Without ``--checkpoint`` the model keeps a seeded random initialisation.

``--fp32-modules`` names module classes (``DCHF``) or modules (``decode_head.conv_seg``)
to run in fp32 under autocast (their floating inputs are cast to fp32, autocast is off
inside them): a way to find the operation that loses precision, one at a time.

Example (EDC-base with random weights on the generated benchmark's test tiles)::

    python tools/analysis_tools/precision_agreement.py \\
        configs/edc/edc_edc-base_1xb32-30e_m3mcr-160x160.py \\
        --data-root data/generated_m3mcr --num-samples 16
"""
import argparse
import json
import os.path as osp

import torch
from mmengine.config import DictAction
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmseg.registry import DATASETS

import mmseg_edc  # noqa: F401  (compat fixes, registration)
from mmseg_edc.apis import build_inference_model
from mmseg_edc.io import write_file_atomically
from mmseg_edc.utils import add_debug_flag, read_config, run_tool
from mmseg_edc.utils.efficiency import autocast_context, machine_settings
from mmseg_edc.utils.module_scopes import ModuleScopes


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='model and test data config')
    parser.add_argument('--checkpoint', help='weights (default: seeded random weights)')
    parser.add_argument('--data-root', help="override the test set's data_root")
    parser.add_argument('--num-samples', type=int, default=16)
    parser.add_argument('--precision', choices=['bf16', 'fp16'], default='bf16')
    parser.add_argument('--fp32-modules', nargs='*', default=[], metavar='CLASS|NAME',
                        help='module classes or module names kept in fp32 under autocast')
    parser.add_argument('--seed', type=int, default=0, help='random-weight seed')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    parser.add_argument('--out', help='also write the JSON to this file')
    args = add_debug_flag(parser).parse_args(argv)
    if args.num_samples < 1:
        parser.error('--num-samples must be >= 1')
    return args


def keep_in_fp32(model, names):
    """Run every module named, or of a class named, in fp32 under autocast: floating
    positional inputs cast to fp32, autocast off until the module returns."""
    modules = dict(model.named_modules())
    found = set(modules) | {type(m).__name__ for m in modules.values()}
    missing = sorted(set(names) - found)
    if missing:
        raise KeyError(f'--fp32-modules: the model has no module or module class '
                       f'{", ".join(missing)}')
    return ModuleScopes(
        model, lambda name, module: name in names or type(module).__name__ in names,
        lambda name: torch.autocast(device_type='cpu', enabled=False), to_fp32)


def to_fp32(value):
    """``value`` with every floating tensor in it (also inside tuples and lists) fp32."""
    if torch.is_tensor(value):
        return value.float() if value.is_floating_point() else value
    if isinstance(value, (tuple, list)):
        return type(value)(to_fp32(v) for v in value)
    return value


def compare(model, data, precision):
    """Labels and logits of one batch in fp32 and under autocast."""
    with torch.no_grad():
        reference = model.test_step(data)[0]
        with autocast_context('cpu', precision):
            reduced = model.test_step(data)[0]
    labels = reference.pred_sem_seg.data
    logits = reference.seg_logits.data.float()
    top2 = logits.topk(2, dim=0).values
    difference = (reduced.seg_logits.data.float() - logits).abs()
    return dict(agreement=float((reduced.pred_sem_seg.data == labels).float().mean()),
                pixels=labels.numel(),
                relative_logit_difference=float(difference.mean() / logits.abs().mean()),
                median_margin=float((top2[0] - top2[1]).median()),
                classes_predicted=int(labels.unique().numel()))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = read_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = cfg.test_dataloader.dataset
    if args.data_root:
        dataset_cfg.data_root = args.data_root
    dataset = DATASETS.build(dataset_cfg)
    torch.manual_seed(args.seed)
    model = build_inference_model(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    keep_in_fp32(model, args.fp32_modules)
    samples = [compare(model, pseudo_collate([dataset[i]]), args.precision)
               for i in range(min(args.num_samples, len(dataset)))]
    pixels = sum(s['pixels'] for s in samples)
    report = dict(
        settings=dict(machine_settings(args.threads, args.precision),
                      config=osp.relpath(args.config), checkpoint=args.checkpoint,
                      seed=None if args.checkpoint else args.seed,
                      data_root=dataset_cfg.data_root, fp32_modules=args.fp32_modules,
                      cfg_options=args.cfg_options or {}),
        agreement=sum(s['agreement'] * s['pixels'] for s in samples) / pixels,
        samples=samples)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        write_file_atomically(args.out, text + '\n')


if __name__ == '__main__':
    run_tool(main)
