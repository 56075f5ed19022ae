# optical-only reference on M3M-CR: stock ResNet-50-V1c + UPerNet, CloudSeg protocol; tested on
# the whole 300 x 300 patch by sliding windows of 160 / stride 80.
_base_ = [
    '../_base_/models/upernet_r50_optical-only.py', '../_base_/datasets/m3mcr.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_30e_adam.py'
]
model = dict(bands={{_base_.bands}},
             test_cfg=dict(mode='slide', crop_size=(160, 160), stride=(80, 80)))
