# Ablation: plain global average pooling in DCHF instead of the reliability-weighted one
# (the optical gating by A stays). Teacher shared with EDC (it has no A).
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(backbone=dict(fusion_cfg=dict(weighted_pool=False)))
ablation_changes = ['model.backbone.fusion_cfg.weighted_pool']
