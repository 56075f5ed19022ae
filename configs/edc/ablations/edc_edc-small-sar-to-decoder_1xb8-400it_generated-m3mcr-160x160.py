# Variant [ours]: the segmentation decoder reads F_i + (1 - A_i) * SAR_i instead of the
# fused map F_i, so the SAR stream reaches the decoder directly where the reliability map
# judges the optical input unreliable (docs/design.md §6.11). No new parameters: the
# shared teacher initialises every tensor the student has.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(sar_to_decoder=True)
ablation_changes = ['model.sar_to_decoder']
