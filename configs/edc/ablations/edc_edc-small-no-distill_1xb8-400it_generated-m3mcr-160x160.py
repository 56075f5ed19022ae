# Ablation: no distillation loss. The teacher stays, only to initialise the student as in
# EDC (it never runs), so this row changes the distillation and nothing else.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(distill_loss=None)
ablation_changes = ['model.distill_loss']
