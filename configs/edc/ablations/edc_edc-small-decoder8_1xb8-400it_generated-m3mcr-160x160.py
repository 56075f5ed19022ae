# Ablation: an 8-channel last segmentation-decoder block (16 by default), in the teacher
# and the student alike; the student starts from its teacher's weights, whose decoder
# must have the same shape, so the ablation has its own teacher.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(
    decode_head=dict(decoder_channels=(64, 32, 16, 16, 8)),
    teacher=dict(
        config='{{fileDirname}}/edc-teacher_edc-small-decoder8_1xb8-400it_generated-m3mcr-160x160.py',
        checkpoint='work_dirs/edc-teacher_edc-small-decoder8_1xb8-400it_generated-m3mcr-160x160'))
ablation_changes = ['model.decode_head.decoder_channels']
ablation_teacher = 'own'
