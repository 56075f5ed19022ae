# EDC teacher with class-weighted cross-entropy [ours]: median-frequency weights (the
# dataset base's class_weight), so that the rarer class of a pair told apart mainly by
# SAR (urban / barren, agriculture / forest) is not merged into the commoner one (the
# failure of docs/design.md §6.10).
_base_ = ['../edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(decode_head=dict(loss_decode=dict(
    _delete_=True, type='ClassWeightedCrossEntropyLoss', class_weight={{_base_.class_weight}},
    loss_weight=1.0)))
