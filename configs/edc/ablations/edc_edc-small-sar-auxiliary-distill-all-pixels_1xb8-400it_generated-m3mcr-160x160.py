# Variant [ours], two changes together: the SAR auxiliary head (with its own teacher, as
# in sar-auxiliary) and distillation over every pixel (as in distill-all-pixels), the two
# changes that each raised cloudy-pixel mIoU on their own.
_base_ = ['./edc_edc-small-sar-auxiliary_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(distill_loss=dict(pixels='all'))
ablation_changes = ['model.auxiliary_stream', 'model.auxiliary_head',
                    'model.distill_loss.pixels']
ablation_teacher = 'own'
