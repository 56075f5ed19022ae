# Ablation: plain window attention at 1/16 instead of carrier-token attention. The stage-3
# weights change names, so the ablation has its own teacher without carrier tokens: the
# student still starts from a teacher of its own architecture, as EDC does.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(
    backbone=dict(stream_cfg=dict(use_carrier_tokens=False)),
    teacher=dict(
        config='{{fileDirname}}/edc-teacher_edc-small-no-carrier-tokens_1xb8-400it_generated-m3mcr-160x160.py',
        checkpoint='work_dirs/edc-teacher_edc-small-no-carrier-tokens_1xb8-400it_generated-m3mcr-160x160'))
ablation_changes = ['model.backbone.stream_cfg.use_carrier_tokens']
ablation_teacher = 'own'
