# The CPU schedule at 400 iterations: what the demo budget allows the EDC teacher and
# student (each iteration costs more than a reference model's).
_base_ = ['./schedule_cpu_demo.py']
max_iters = 400
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=40),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=40, end=max_iters,
         eta_min=1e-5)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=200))
