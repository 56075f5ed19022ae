# EDC teacher on the generated benchmark (train first): the student's architecture
# without the reliability map, fed the cloud-free optical image + SAR, trained with
# class-weighted cross-entropy only (docs/design.md §6.6).
_base_ = [
    '../_base_/models/edc-small.py', '../_base_/datasets/generated_m3mcr.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_cpu_400it.py'
]
model = dict(
    bands={{_base_.bands}},
    # class-weighted cross-entropy [ours] (median-frequency weights of the training
    # split): the rarer class of a pair told apart mainly by SAR is not merged into the
    # commoner one (docs/design.md §6.10)
    decode_head=dict(loss_decode=dict(
        _delete_=True, type='ClassWeightedCrossEntropyLoss',
        class_weight={{_base_.class_weight}}, loss_weight=1.0)),
    optical_input='cloud_free',
    backbone=dict(fusion_cfg=dict(use_reliability=False), final_write_back=()),
    cloud_removal_head=None,
    test_cfg=dict(mode='slide', crop_size=(160, 160), stride=(80, 80)))
randomness = dict(seed=0)
