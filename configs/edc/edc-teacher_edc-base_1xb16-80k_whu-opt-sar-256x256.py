# EDC-base teacher on WHU-OPT-SAR 256 x 256 tiles (train first): cloud-free optical + SAR
# in, no reliability map, cross-entropy only. The clouds drawn by the train pipeline are
# not used by the teacher.
_base_ = [
    '../_base_/models/edc-base_whu-opt-sar.py', '../_base_/datasets/whu_opt_sar.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k_adam.py'
]
model = dict(
    bands={{_base_.bands}},
    optical_input='cloud_free',
    backbone=dict(fusion_cfg=dict(use_reliability=False), final_write_back=()),
    cloud_removal_head=None)
default_hooks = dict(visualization=dict(rgb_bands=(0, 1, 2)))
