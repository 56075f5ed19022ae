# Variant [ours]: cross-entropy with median-frequency class weights (the dataset base's
# class_weight), in the teacher and the student alike. Aimed at the teacher's failure to
# learn the rarer class of a pair told apart mainly by SAR (docs/design.md §6.10); the
# student's loss changes with it, so the variant has its own teacher.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(
    decode_head=dict(loss_decode=dict(
        _delete_=True, type='ClassWeightedCrossEntropyLoss',
        class_weight={{_base_.class_weight}}, loss_weight=1.0)),
    teacher=dict(
        config='{{fileDirname}}/edc-teacher_edc-small-class-balanced_1xb8-400it_generated-m3mcr-160x160.py',
        checkpoint='work_dirs/edc-teacher_edc-small-class-balanced_1xb8-400it_generated-m3mcr-160x160'))
ablation_changes = ['model.decode_head.loss_decode']
ablation_teacher = 'own'
