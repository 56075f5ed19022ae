# Variant [ours]: an auxiliary FCN head on the SAR stream at stage 3 (training only,
# weight 0.4), in the teacher and the student alike: SAR features must separate the
# classes on their own, which the classes EDC loses to early fusion (urban, barren) need.
# The head is new in both, so the variant has its own teacher (which also carries it).
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(
    auxiliary_stream='sar',
    auxiliary_head=dict(
        type='FCNHead', in_index=2, channels=32, num_convs=1, concat_input=False,
        dropout_ratio=0.0, num_classes={{_base_.num_classes}}, norm_cfg={{_base_.norm_cfg}},
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4,
                         avg_non_ignore=True)),
    teacher=dict(
        config='{{fileDirname}}/edc-teacher_edc-small-sar-auxiliary_1xb8-400it_generated-m3mcr-160x160.py',
        checkpoint='work_dirs/edc-teacher_edc-small-sar-auxiliary_1xb8-400it_generated-m3mcr-160x160'))
ablation_changes = ['model.auxiliary_stream', 'model.auxiliary_head']
ablation_teacher = 'own'
