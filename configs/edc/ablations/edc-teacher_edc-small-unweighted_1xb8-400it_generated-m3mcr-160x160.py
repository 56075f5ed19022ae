# EDC teacher with plain cross-entropy (the loss of EDC-base and the spec) instead of the
# default class-weighted one [ours]: without the weights one teacher seed in five never
# learned agriculture or urban (docs/design.md §6.10).
_base_ = ['../edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(decode_head=dict(loss_decode=dict(
    _delete_=True, type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
    avg_non_ignore=True)))
