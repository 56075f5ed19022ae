# Ablation: distillation over every pixel, cloudy ones included, instead of the cloud-free
# pixels only: the direct test of the cloud-mask guidance.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(distill_loss=dict(pixels='all'))
ablation_changes = ['model.distill_loss.pixels']
