# EDC-small student on your own folder-per-modality data (the template dataset base), distilled
# from the teacher config next to this one. Every band-dependent part (loader, data
# preprocessor, stream stems, cloud-removal output, panels) follows the base's `bands`.
_base_ = [
    '../_base_/models/edc-small.py', '../_base_/datasets/optical_sar_folders.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_cpu_400it.py'
]
model = dict(
    bands={{_base_.bands}},
    decode_head=dict(num_classes=8),
    teacher=dict(
        config='{{fileDirname}}/edc-teacher_edc-small_1xb8-400it_optical-sar-folders-256x256.py',
        checkpoint='work_dirs/edc-teacher_edc-small_1xb8-400it_optical-sar-folders-256x256'),
    distill_loss=dict(type='MaskedFeatureDistillationLoss', loss_weight=1.0))
optim_wrapper = dict(constructor='TrainableParamsOptimWrapperConstructor')
custom_hooks = [dict(type='DistillationScheduleHook', ramp_iters=40)]
default_hooks = dict(visualization=dict(rgb_bands=(3, 2, 1)))   # Sentinel-2 B4, B3, B2
val_evaluator = dict(type='CloudAwareIoUMetric', iou_metrics=['mIoU'],
                     cloud_removal=dict(data_range=1.0))
test_evaluator = val_evaluator
