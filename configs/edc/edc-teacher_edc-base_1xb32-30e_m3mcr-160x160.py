# EDC-base teacher on M3M-CR (train first), CloudSeg protocol (docs/design.md §11):
# no reliability map, cloud-free optical + SAR in, cross-entropy only.
_base_ = [
    '../_base_/models/edc-base.py', '../_base_/datasets/m3mcr.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_30e_adam.py'
]
model = dict(
    bands={{_base_.bands}},
    optical_input='cloud_free',
    backbone=dict(fusion_cfg=dict(use_reliability=False), final_write_back=()),
    cloud_removal_head=None,
    test_cfg=dict(mode='slide', crop_size=(160, 160), stride=(80, 80)))
