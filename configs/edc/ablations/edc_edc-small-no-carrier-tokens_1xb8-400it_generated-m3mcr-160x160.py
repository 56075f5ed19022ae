# Ablation: plain window attention at 1/16 instead of carrier-token attention.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(backbone=dict(stream_cfg=dict(use_carrier_tokens=False)))
