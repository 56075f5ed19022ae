# EDC-base student on WHU-OPT-SAR 256 x 256 tiles: synthetic-cloud optical + SAR in,
# segmentation + cloud removal out, distilled from the frozen teacher on cloud-free pixels.
# Loss: CE + 1 x cloud-weighted Charbonnier + 1 x masked feature distillation.
# Train edc-teacher_edc-base_1xb16-80k_whu-opt-sar-256x256.py first.
_base_ = [
    '../_base_/models/edc-base_whu-opt-sar.py', '../_base_/datasets/whu_opt_sar.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k_adam.py'
]
model = dict(
    bands={{_base_.bands}},
    teacher=dict(
        config='{{fileDirname}}/edc-teacher_edc-base_1xb16-80k_whu-opt-sar-256x256.py',
        checkpoint='work_dirs/edc-teacher_edc-base_1xb16-80k_whu-opt-sar-256x256'),
    distill_loss=dict(type='MaskedFeatureDistillationLoss', loss_weight=1.0))
optim_wrapper = dict(constructor='TrainableParamsOptimWrapperConstructor')
custom_hooks = [dict(type='DistillationScheduleHook')]
default_hooks = dict(visualization=dict(rgb_bands=(0, 1, 2)))
val_evaluator = dict(type='CloudAwareIoUMetric', iou_metrics=['mIoU'],
                     cloud_removal=dict(data_range=1.0))
test_evaluator = val_evaluator
