# EDC-small teacher on your own folder-per-modality data (the template dataset base:
# 13-band Sentinel-2 + 2-band Sentinel-1, 8 classes; edit the base for your data). Train
# it first: cloud-free optical + SAR in, no reliability map, cross-entropy only.
_base_ = [
    '../_base_/models/edc-small.py', '../_base_/datasets/optical_sar_folders.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_cpu_400it.py'
]
model = dict(
    bands={{_base_.bands}},
    optical_input='cloud_free',
    backbone=dict(fusion_cfg=dict(use_reliability=False), final_write_back=()),
    decode_head=dict(num_classes=8),
    cloud_removal_head=None)
default_hooks = dict(visualization=dict(rgb_bands=(3, 2, 1)))   # Sentinel-2 B4, B3, B2
