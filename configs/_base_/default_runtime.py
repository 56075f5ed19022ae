# Shared runtime: registers mmseg_edc into mmseg's registries (stock types need no
# prefix), logging, checkpoint hooks and the optical-SAR visualisation hook.
default_scope = 'mmseg'
custom_imports = dict(imports=['mmseg_edc'], allow_failed_imports=False)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),       # gloo on machines without CUDA (tools/train.py)
)
# BatchNorm becomes SyncBatchNorm only under a distributed launcher (mmengine's Runner
# converts it there and reverts SyncBN in single-process runs); not on CPU.
sync_bn = 'torch'
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
# the model tools/test.py --tta wraps around the config's model (datasets define tta_pipeline)
tta_model = dict(type='OpticalSARTTAModel')
log_level = 'INFO'
load_from = None
resume = False
