# Teacher of the SAR-auxiliary variant: the EDC teacher with an auxiliary FCN head on its
# SAR stream at stage 3 (training only), so that the SAR features alone must tell the
# classes apart (docs/design.md §6.11).
_base_ = ['../edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(
    auxiliary_stream='sar',
    auxiliary_head=dict(
        type='FCNHead', in_index=2, channels=32, num_convs=1, concat_input=False,
        dropout_ratio=0.0, num_classes={{_base_.num_classes}}, norm_cfg={{_base_.norm_cfg}},
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4,
                         avg_non_ignore=True)))
