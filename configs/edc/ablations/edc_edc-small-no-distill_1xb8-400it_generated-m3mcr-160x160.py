# Ablation: no teacher and no distillation loss.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(teacher=None, distill_loss=None)
custom_hooks = []
