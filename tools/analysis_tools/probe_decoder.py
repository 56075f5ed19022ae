"""Where an EDC model's decoder loses a class: linear probes on every decoder block.

For every sample of a split (validation by default) the model runs on the top-left
``--crop`` x ``--crop`` input window (its own input: a teacher gets the cloud-free
optical image); each U-Net block's output of the segmentation head, and the logits, are
averaged over the footprint of every label pixel of that window. A linear probe
(:func:`mmseg_edc.evaluation.linear_probe.linear_probe_iou`) fitted on half of those
pixels gives each block's per-class IoU on the other half, next to the model's own
per-class IoU on the same pixels: a class the model never predicts although an earlier
block still separates it was lost in the blocks after that one.

Example::

    python tools/analysis_tools/probe_decoder.py \\
        edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160 work_dirs/teacher/iter_400.pth \\
        --cfg-options val_dataloader.dataset.data_root=data/generated_m3mcr \\
        --out work_dirs/teacher/decoder_probe.json
"""
import argparse
import json

import torch
import torch.nn.functional as F
from mmengine.config import DictAction
from mmengine.runner import Runner

from mmseg_edc.apis import init_optical_sar_model
from mmseg_edc.evaluation.linear_probe import class_iou, linear_probe_iou
from mmseg_edc.io import write_file_atomically
from mmseg_edc.utils import add_debug_flag, config_argument, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', type=config_argument,
                        help='config file or packaged config name (an EDCSegmentor)')
    parser.add_argument('checkpoint', help='the checkpoint to probe')
    parser.add_argument('--split', choices=['val', 'test'], default='val',
                        help='the dataloader to read (default: val)')
    parser.add_argument('--crop', type=int, default=150,
                        help='side of the top-left input window probed, in input pixels; '
                        'it must cover whole label pixels (default: 150, i.e. 45 label '
                        'pixels of a 300 px M3M-CR tile with a 90 px label grid)')
    parser.add_argument('--max-train-pixels', type=int, default=20000,
                        help='pixels fitting each probe (default: 20000)')
    parser.add_argument('--out', help='JSON to write')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    return add_debug_flag(parser).parse_args(argv)


def label_window(metainfo: dict, crop: int, sample_key: str) -> int:
    """Side of the label-grid window under an input window of side ``crop``.

    Raises:
        ValueError: the window does not cover whole label pixels, or exceeds the tile.
    """
    image_side, label_side = metainfo['img_shape'][0], metainfo['ori_shape'][0]
    if crop > min(metainfo['img_shape']):
        raise ValueError(f'sample {sample_key}: --crop {crop} exceeds its input size '
                         f'{tuple(metainfo["img_shape"])}')
    labels = crop * label_side / image_side
    if abs(labels - round(labels)) > 1e-6:
        raise ValueError(f'sample {sample_key}: --crop {crop} input pixels cover '
                         f'{labels:.3f} label pixels (input {image_side}, label grid '
                         f'{label_side}); choose a crop covering whole label pixels')
    return round(labels)


def on_label_grid(tensor, size):
    """``B x C x h x w`` -> ``(B * size * size) x C``: each label pixel's mean."""
    tensor = F.adaptive_avg_pool2d(tensor.float(), size)
    return tensor.permute(0, 2, 3, 1).reshape(-1, tensor.shape[1])


def collect(model, loader, crop):
    """Per block the ``N x C`` features, the logits and the labels of every labelled
    label pixel of the probed windows."""
    blocks = model.decode_head.decoder.blocks
    outputs = {index: [] for index in range(len(blocks))}
    hooks = [block.register_forward_hook(
        lambda module, args, output, index=index: outputs[index].append(output))
        for index, block in enumerate(blocks)]
    levels = {index: [] for index in range(len(blocks))}
    logits, labels = [], []
    try:
        with torch.no_grad():
            for batch in loader:
                data = model.data_preprocessor(batch, False)
                samples = data['data_samples']
                inputs = data['inputs']
                if model.optical_input == 'cloud_free':
                    inputs = model.with_cloud_free_optical(inputs, samples)
                side = label_window(samples[0].metainfo, crop,
                                    samples[0].metainfo.get('sample_key', '?'))
                streams = model.backbone.forward_streams(inputs[..., :crop, :crop])
                logits.append(on_label_grid(
                    model.decode_head(streams['fused'], (crop, crop)), side))
                for index in outputs:
                    levels[index].append(on_label_grid(outputs[index].pop(), side))
                labels.append(torch.stack([s.gt_sem_seg.data[0, :side, :side]
                                           for s in samples]).reshape(-1))
    finally:
        for hook in hooks:
            hook.remove()
    labels = torch.cat(labels).long()
    return ({index: torch.cat(parts) for index, parts in levels.items()},
            torch.cat(logits), labels)


def main(argv=None):
    args = parse_args(argv)
    model = init_optical_sar_model(args.config, args.checkpoint,
                                   cfg_options=args.cfg_options)
    loader_cfg = model.cfg[f'{args.split}_dataloader']
    loader = Runner.build_dataloader(dict(loader_cfg, num_workers=0,
                                          persistent_workers=False))
    num_classes = model.decode_head.num_classes
    levels, logits, labels = collect(model, loader, args.crop)
    labelled = labels < num_classes
    labels = labels[labelled]
    half = len(labels) // 2
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    scored = order[half:]
    classes = list(loader.dataset.metainfo['classes'])
    probes = {}
    for index, features in levels.items():
        ious = linear_probe_iou(features[labelled], labels, num_classes,
                                max_train_pixels=args.max_train_pixels, seed=0)
        probes[f'block{index + 1} ({features.shape[1]} ch)'] = dict(zip(classes, ious))
    model_ious = class_iou(logits[labelled].argmax(1)[scored], labels[scored], num_classes)
    report = dict(config=args.config, checkpoint=args.checkpoint, split=args.split,
                  crop=args.crop, labelled_pixels=len(labels),
                  probe_iou=probes, model_iou=dict(zip(classes, model_ious)))
    print(json.dumps(report, indent=2))
    if args.out:
        write_file_atomically(args.out, json.dumps(report, indent=2))
    return report


if __name__ == '__main__':
    run_tool(main)
