# Ablation: plain cross-entropy (the loss of EDC-base and the spec) instead of the default
# class-weighted one [ours], in the teacher and the student alike. The student's loss
# changes with it, so the ablation has its own teacher.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(
    decode_head=dict(loss_decode=dict(
        _delete_=True, type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
        avg_non_ignore=True)),
    teacher=dict(
        config='{{fileDirname}}/edc-teacher_edc-small-unweighted_1xb8-400it_generated-m3mcr-160x160.py',
        checkpoint='work_dirs/edc-teacher_edc-small-unweighted_1xb8-400it_generated-m3mcr-160x160'))
ablation_changes = ['model.decode_head.loss_decode']
ablation_teacher = 'own'
