# Ablation: optical-only input. The SAR channels are blanked for the student and for
# its teacher (trained by the optical-only teacher config), so no SAR information is
# used anywhere; the architecture is unchanged.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(
    data_preprocessor=dict(blank_channels=[4, 5]),
    teacher='{{fileDirname}}/edc-teacher_edc-small-optical-only_1xb8-400it_generated-m3mcr-160x160.py')
custom_hooks = [
    dict(type='DistillationTeacherHook',
         checkpoint='work_dirs/edc-teacher_edc-small-optical-only_1xb8-400it_generated-m3mcr-160x160',
         delay_iters=0, ramp_iters=40, init_student_from_teacher=True)
]
