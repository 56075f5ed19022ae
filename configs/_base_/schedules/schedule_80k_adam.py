# 80k iterations with Adam (lr 1e-4, no weight decay, the EDC optimizer) and poly decay;
# validation and a checkpoint every 8k iterations, the best mIoU kept. Our choice for
# tiled datasets such as WHU-OPT-SAR, which have no published EDC protocol.
max_iters = 80000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.0))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-6, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
log_processor = dict(by_epoch=False)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=8000,
                    max_keep_ckpts=3, save_best='mIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='OpticalSARVisualizationHook'),
    # stop at a non-finite loss or gradient, never save NaN weights (action='skip'
    # skips such batches); checkpoints carry the random states for bit-exact resume
    nonfinite_guard=dict(type='NonFiniteGuardHook', action='stop'),
    exact_resume=dict(type='ExactResumeHook'),
    class_check=dict(type='ClassCountCheckHook'))
