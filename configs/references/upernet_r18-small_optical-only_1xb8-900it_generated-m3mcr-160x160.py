# optical-only reference sized to EDC-small's parameter count and trained for about EDC's
# wall-clock time: the 600-iteration schedule stretched to 900, as for the early-fusion
# reference of the same size (upernet_r18-small_early-fusion_1xb8-900it_...).
_base_ = ['./upernet_r18-small_optical-only_1xb8-600it_generated-m3mcr-160x160.py']
max_iters = 900
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters,
         eta_min=1e-5)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
