# Ablation: no reliability map A in DCHF (no optical gating, plain pooling: the teacher's
# fusion in the student). Teacher shared with EDC.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(backbone=dict(fusion_cfg=dict(use_reliability=False)))
ablation_changes = ['model.backbone.fusion_cfg.use_reliability']
