# Ablation: the reliability map reads |O^ - S^| instead of O^ - S^ ([ours] switch).
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(backbone=dict(fusion_cfg=dict(discrepancy='absolute')))
ablation_changes = ['model.backbone.fusion_cfg.discrepancy']
