# Ablation: no DCHF write-back into the optical and SAR streams at any stage (each stream
# continues from its own features; only the cross-modal stream carries the fusion).
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(backbone=dict(fusion_cfg=dict(write_back=False), final_write_back=()))
ablation_changes = ['model.backbone.fusion_cfg.write_back', 'model.backbone.final_write_back']
