# DCHFNeck fusing two stock tiny ResNet-18 streams (optical, SAR) under UPerHead, on the
# generated benchmark with the CPU schedule of the tiny references.
_base_ = [
    '../_base_/models/upernet-dchf-neck_r18-tiny-two-stream.py',
    '../_base_/datasets/generated_m3mcr.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_cpu_demo.py'
]
model = dict(bands={{_base_.bands}},
             test_cfg=dict(mode='slide', crop_size=(160, 160), stride=(80, 80)))
randomness = dict(seed=0)
