# Ablation: the cross-modal stream pools its stage-3 carrier tokens weighted by fusion
# block 2's reliability map A ([ours] option of the design).
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(backbone=dict(reliability_weighted_carriers=True))
ablation_changes = ['model.backbone.reliability_weighted_carriers']
