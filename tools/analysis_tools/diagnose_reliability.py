"""How well an EDC student's reliability maps ``A`` separate cloudy from clear pixels.

For every sample of a split (validation by default: never look at test for design
decisions) the student's ``A_i`` (one map per stage with a reliability map) is compared
with the cloud mask taken to the stage's grid: the ROC AUC of ``1 - A`` for "cloudy"
(docs/design.md §4; :mod:`mmseg_edc.evaluation.reliability_diagnostics`). Also writes
the maps of the first ``--panels`` samples as PNGs next to the cloud mask.

Example::

    python tools/analysis_tools/diagnose_reliability.py \\
        edc_edc-small_1xb8-400it_generated-m3mcr-160x160 work_dirs/edc/iter_400.pth \\
        --cfg-options val_dataloader.dataset.data_root=data/generated_m3mcr \\
        --out work_dirs/edc/reliability.json --panels 4
"""
import argparse
import os.path as osp

import cv2
import numpy as np
import torch

from mmseg_edc.apis import init_optical_sar_model
from mmseg_edc.evaluation.reliability_diagnostics import ReliabilityAUC
from mmseg_edc.io import write_file_atomically
from mmseg_edc.utils import add_diagnosis_args, report_json, run_tool, split_loader


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_diagnosis_args(parser, 'an EDC student', 'the student checkpoint',
                       out_help='JSON to write (panels go next to it)')
    parser.add_argument('--panels', type=int, default=0,
                        help='write the maps of this many samples as PNGs')
    return parser.parse_args(argv)


def map_panel(reliability, cloud_mask):
    """One row: the cloud mask, then each stage's ``A`` (0 black .. 1 white), all
    nearest-resized to the mask's size. Arrays ``h x w``; returns uint8 ``H x W'``."""
    height, width = cloud_mask.shape
    tiles = [(cloud_mask > 0).astype(np.uint8) * 255]
    for a in reliability:
        tiles.append(cv2.resize((np.clip(a, 0, 1) * 255).astype(np.uint8), (width, height),
                                interpolation=cv2.INTER_NEAREST))
    gap = np.full((height, 4), 128, np.uint8)
    row = [tiles[0]]
    for tile in tiles[1:]:
        row += [gap, tile]
    return np.concatenate(row, axis=1)


def main(argv=None):
    args = parse_args(argv)
    model = init_optical_sar_model(args.config, args.checkpoint,
                                   cfg_options=args.cfg_options)
    loader = split_loader(model.cfg, args.split)
    auc = ReliabilityAUC()
    panels = []
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            maps = model.backbone.forward_streams(data['inputs'])['reliability']
            if all(a is None for a in maps):
                raise ValueError(f'{args.config} builds no reliability map (a teacher, or '
                                 "DCHF(use_reliability=False)): nothing to diagnose")
            masks = torch.stack([s.gt_cloud_mask.data for s in data['data_samples']])
            auc.update(maps, masks)
            for i, sample in enumerate(data['data_samples']):
                if len(panels) < args.panels:
                    panels.append((sample.metainfo['sample_key'], map_panel(
                        [a[i, 0].cpu().numpy() for a in maps if a is not None],
                        masks[i, 0].cpu().numpy())))
    report = dict(config=args.config, checkpoint=args.checkpoint, split=args.split,
                  samples=len(loader.dataset), roc_auc=auc.compute())
    report_json(report, args.out)
    if args.out:
        folder = osp.dirname(osp.abspath(args.out))
        for key, panel in panels:
            write_file_atomically(osp.join(folder, f'reliability_{key}.png'),
                                  cv2.imencode('.png', panel)[1].tobytes())
    return report


if __name__ == '__main__':
    run_tool(main)
