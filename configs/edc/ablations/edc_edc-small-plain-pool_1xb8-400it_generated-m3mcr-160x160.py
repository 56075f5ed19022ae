# Ablation: plain global average pooling in DCHF instead of the reliability-weighted one.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(backbone=dict(fusion_cfg=dict(weighted_pool=False)))
