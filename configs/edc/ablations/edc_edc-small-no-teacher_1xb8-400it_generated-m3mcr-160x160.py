# No teacher at all (neither initialisation nor distillation): EDC trained on its own, as a
# model without the teacher's help. Two changes by design; compare it with the two rows
# that change one each (no distillation, distillation from scratch).
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(teacher=None, distill_loss=None)
custom_hooks = []
ablation_changes = ['model.teacher', 'model.distill_loss', 'custom_hooks']
ablation_teacher = 'none'
