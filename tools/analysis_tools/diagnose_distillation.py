"""How close an EDC student comes to its teacher on clear and on cloudy pixels.

The distillation loss pulls the student's decoder feature towards the teacher's on
cloud-free pixels only (docs/design.md §6.3). This tool measures, over a split
(validation by default) and separately for clear and cloudy pixels of the top-left
``--crop`` window of every sample: the mean squared feature difference (the loss's own
distance), the share of pixels where student and teacher predict the same class, and
each one's pixel accuracy against the labels (both taken to the label grid). The
teacher sees the cloud-free image, the student the cloudy one, as in training.

Example::

    python tools/analysis_tools/diagnose_distillation.py \\
        edc_edc-small_1xb8-400it_generated-m3mcr-160x160 work_dirs/edc/iter_400.pth \\
        --cfg-options val_dataloader.dataset.data_root=data/generated_m3mcr \\
        model.teacher.checkpoint=work_dirs/edc-teacher --out work_dirs/edc/distillation.json
"""
import argparse
from collections import defaultdict

import torch
import torch.nn.functional as F
from mmengine.config import Config

from mmseg_edc.apis import init_optical_sar_model
from mmseg_edc.evaluation.pixel_fields import cloud_mask_to_grid, label_window_side
from mmseg_edc.models.segmentors.frozen_teacher import FrozenTeacher
from mmseg_edc.utils import add_diagnosis_args, read_config, report_json, run_tool, split_loader

REGIONS = ('clear', 'cloudy')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_diagnosis_args(parser, 'an EDC student with model.teacher; override its '
                       'model.teacher.checkpoint with --cfg-options', 'the student checkpoint')
    parser.add_argument('--crop', type=int, default=160,
                        help='side of the top-left input window compared (default: 160, '
                        'the training crop); it must cover whole label pixels')
    return parser.parse_args(argv)


def load_teacher(cfg: Config) -> FrozenTeacher:
    """The student config's frozen teacher with its trained weights."""
    if cfg.model.get('teacher') is None:
        raise ValueError(f'{cfg.filename} has no model.teacher: nothing to compare with')
    teacher = FrozenTeacher(cfg.model.teacher)
    teacher.init_weights()
    return teacher


class RegionStats:
    """Sums per region (clear / cloudy) of feature error, agreement and accuracy."""

    def __init__(self):
        self.sums = {region: defaultdict(float) for region in REGIONS}

    def update(self, student_feat, teacher_feat, student_logits, teacher_logits,
               cloudy, labels):
        """Features ``B x C x H x W``, logits ``B x K x H x W``, ``cloudy`` bool
        ``B x H x W``; ``labels`` ``B x h x w`` on the label grid (255: ignored)."""
        error = (student_feat - teacher_feat).pow(2).mean(1)
        agree = student_logits.argmax(1) == teacher_logits.argmax(1)
        grid = labels.shape[-2:]
        cloudy_grid = torch.stack([cloud_mask_to_grid(mask, grid) for mask in cloudy])
        labelled = labels < 255
        correct = {name: F.interpolate(logits, size=grid, mode='bilinear',
                                       align_corners=False).argmax(1) == labels
                   for name, logits in (('student', student_logits),
                                        ('teacher', teacher_logits))}
        for region, pixels, label_pixels in (
                ('clear', ~cloudy, labelled & ~cloudy_grid),
                ('cloudy', cloudy, labelled & cloudy_grid)):
            sums = self.sums[region]
            sums['pixels'] += float(pixels.sum())
            sums['squared_error'] += float(error[pixels].sum())
            sums['agreeing'] += float(agree[pixels].sum())
            sums['label_pixels'] += float(label_pixels.sum())
            for name, right in correct.items():
                sums[f'{name}_correct'] += float(right[label_pixels].sum())

    def compute(self) -> dict:
        report = {}
        for region, sums in self.sums.items():
            pixels, labelled = max(sums['pixels'], 1.0), max(sums['label_pixels'], 1.0)
            report[region] = dict(
                pixels=int(sums['pixels']),
                feature_mse=round(sums['squared_error'] / pixels, 6),
                label_agreement=round(100 * sums['agreeing'] / pixels, 2),
                student_accuracy=round(100 * sums['student_correct'] / labelled, 2),
                teacher_accuracy=round(100 * sums['teacher_correct'] / labelled, 2))
        return report


def main(argv=None):
    args = parse_args(argv)
    cfg = read_config(args.config, args.cfg_options)
    student = init_optical_sar_model(cfg, args.checkpoint)
    teacher = load_teacher(cfg)
    loader = split_loader(cfg, args.split)
    stats = RegionStats()
    crop = args.crop
    with torch.no_grad():
        for batch in loader:
            data = student.data_preprocessor(batch, False)
            samples = data['data_samples']
            inputs = data['inputs'][..., :crop, :crop]
            # a torch.Size img_shape makes the heads decode to the window (§5.4)
            metas = [dict(s.metainfo, img_shape=inputs.shape[-2:]) for s in samples]
            logits, feature, _, _ = student.decode_streams(inputs, metas,
                                                           with_reconstruction=False)
            clear_inputs = student.with_cloud_free_optical(data['inputs'], samples)
            teacher_feature = teacher.features(clear_inputs[..., :crop, :crop],
                                               feature.shape[-2:])
            teacher_logits = teacher.model.decode_head.cls_seg(teacher_feature)
            cloudy = torch.stack([s.gt_cloud_mask.data[0, :crop, :crop]
                                  for s in samples]) > 0
            label_side = label_window_side(samples[0].metainfo, crop)
            labels = torch.stack([s.gt_sem_seg.data[0, :label_side, :label_side]
                                  for s in samples])
            stats.update(feature, teacher_feature, logits, teacher_logits, cloudy, labels)
    report = dict(config=args.config, checkpoint=args.checkpoint, split=args.split,
                  crop=crop, teacher=teacher.loaded_from, **stats.compute())
    report_json(report, args.out)
    return report


if __name__ == '__main__':
    run_tool(main)
