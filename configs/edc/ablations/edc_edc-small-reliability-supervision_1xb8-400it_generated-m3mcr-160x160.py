# Variant [ours]: the reliability maps A of every fusion stage are supervised with the
# cloud mask (binary cross-entropy against the clear share of each cell, weight 0.25),
# so that A tells the fusion where the optical stream is cloud-corrupted.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(reliability_loss=dict(type='ReliabilitySupervisionLoss', loss_weight=0.25))
ablation_changes = ['model.reliability_loss']
