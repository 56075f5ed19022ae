# Ablation: distillation weight 16 instead of 1. Our loss averages over (pixel, channel)
# entries of the 16-channel decoder feature, CloudSeg's over pixels, so at the same weight
# ours is 1/16 of theirs; weight 16 gives the distillation CloudSeg's strength
# (docs/design.md §6.3).
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(distill_loss=dict(loss_weight=16.0))
ablation_changes = ['model.distill_loss.loss_weight']
