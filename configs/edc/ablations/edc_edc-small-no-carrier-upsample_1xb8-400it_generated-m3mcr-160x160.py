# Ablation: no upsample step at the end of carrier-token attention (carrier tokens are not
# added back to the local tokens). No weights change: teacher shared.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(backbone=dict(stream_cfg=dict(carrier_token_upsample=False)))
ablation_changes = ['model.backbone.stream_cfg.carrier_token_upsample']
