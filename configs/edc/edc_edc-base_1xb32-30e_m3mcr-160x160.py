# EDC-base student on M3M-CR, CloudSeg protocol (docs/design.md §11): Adam 1e-4,
# 30 epochs, lr halved every 5 epochs from epoch 10, batch 32, 160 x 160 crops on the
# 10 m label lattice, sliding-window test 160 / 80 over the 300 x 300 patch.
# Loss: CE + 1 x cloud-weighted Charbonnier + 1 x masked feature distillation.
# The teacher (model.teacher: its config and its checkpoint or work dir) is trained
# first; point elsewhere with --cfg-options model.teacher.checkpoint=PATH.
_base_ = [
    '../_base_/models/edc-base.py', '../_base_/datasets/m3mcr.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_30e_adam.py'
]
model = dict(
    bands={{_base_.bands}},
    teacher=dict(
        config='{{fileDirname}}/edc-teacher_edc-base_1xb32-30e_m3mcr-160x160.py',
        checkpoint='work_dirs/edc-teacher_edc-base_1xb32-30e_m3mcr-160x160'),
    distill_loss=dict(type='MaskedFeatureDistillationLoss', loss_weight=1.0),
    test_cfg=dict(mode='slide', crop_size=(160, 160), stride=(80, 80)))
optim_wrapper = dict(constructor='TrainableParamsOptimWrapperConstructor')
custom_hooks = [dict(type='DistillationScheduleHook')]
val_evaluator = dict(type='CloudAwareIoUMetric', iou_metrics=['mIoU'],
                     cloud_removal=dict(data_range=1.0))
test_evaluator = val_evaluator
