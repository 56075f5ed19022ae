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

import torch
import torch.nn.functional as F

from mmseg_edc.apis import init_optical_sar_model
from mmseg_edc.evaluation.linear_probe import class_iou, linear_probe_iou, probe_split
from mmseg_edc.evaluation.pixel_fields import label_window_side
from mmseg_edc.utils import add_diagnosis_args, report_json, run_tool, split_loader


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_diagnosis_args(parser, 'an EDCSegmentor', 'the checkpoint to probe')
    parser.add_argument('--crop', type=int, default=150,
                        help='side of the top-left input window probed, in input pixels; '
                        'it must cover whole label pixels (default: 150, i.e. 45 label '
                        'pixels of a 300 px M3M-CR tile with a 90 px label grid)')
    parser.add_argument('--max-train-pixels', type=int, default=20000,
                        help='pixels fitting each probe (default: 20000)')
    return parser.parse_args(argv)


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
                side = label_window_side(samples[0].metainfo, crop)
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
    loader = split_loader(model.cfg, args.split)
    num_classes = model.decode_head.num_classes
    levels, logits, labels = collect(model, loader, args.crop)
    labelled = labels < num_classes
    labels = labels[labelled]
    _, scored = probe_split(len(labels), seed=0)     # the pixels every probe is scored on
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
    report_json(report, args.out)
    return report


if __name__ == '__main__':
    run_tool(main)
