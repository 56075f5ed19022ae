# CloudSeg's protocol on M3M-CR (docs/design.md §11): Adam, lr 1e-4, no weight
# decay, 30 epochs, the learning rate halves every 5 epochs from epoch 10.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.0))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[10, 15, 20, 25],
         gamma=0.5)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
log_processor = dict(by_epoch=True)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1,
                    max_keep_ckpts=3, save_best='mIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='OpticalSARVisualizationHook'),
    # stop at a non-finite loss or gradient, never save NaN weights (action='skip'
    # skips such batches); checkpoints carry the random states for bit-exact resume
    nonfinite_guard=dict(type='NonFiniteGuardHook', action='stop'),
    exact_resume=dict(type='ExactResumeHook'),
    class_check=dict(type='ClassCountCheckHook'))
