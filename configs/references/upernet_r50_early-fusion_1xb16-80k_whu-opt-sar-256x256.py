# early-fusion reference on WHU-OPT-SAR 256 x 256 tiles: stock ResNet-50-V1c + UPerNet on
# the packed [optical (4); SAR (1)] channels, 7 classes, synthetic-cloud optical.
_base_ = [
    '../_base_/models/upernet_r50_early-fusion.py', '../_base_/datasets/whu_opt_sar.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k_adam.py'
]
model = dict(
    bands={{_base_.bands}},
    decode_head=dict(num_classes=7))
default_hooks = dict(visualization=dict(rgb_bands=(0, 1, 2)))
