# early-fusion reference sized to EDC-small's parameter count, on the generated benchmark.
_base_ = [
    '../_base_/models/upernet_r18-small_early-fusion.py',
    '../_base_/datasets/generated_m3mcr.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_cpu_demo.py'
]
model = dict(bands={{_base_.bands}},
             test_cfg=dict(mode='slide', crop_size=(160, 160), stride=(80, 80)))
randomness = dict(seed=0)
