# Variant [ours]: label pixels under cloud weigh 2 in the segmentation loss (clear ones 1),
# the loss the student has for the pixels its distillation does not reach.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(decode_head=dict(cloudy_pixel_weight=2.0))
ablation_changes = ['model.decode_head.cloudy_pixel_weight']
