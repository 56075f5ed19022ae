# Ablation: distillation from a student initialised from scratch (not from the teacher's
# shared weights): the cost of the [ours] initialisation.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
custom_hooks = [
    dict(type='DistillationScheduleHook', delay_iters=0, ramp_iters=40,
         init_student_from_teacher=False)
]
ablation_changes = ['custom_hooks.0.init_student_from_teacher']
