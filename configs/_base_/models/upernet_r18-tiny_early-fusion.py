# A small early-fusion reference for CPU runs: ResNet-18-V1c at a quarter of the
# usual width (16/32/64/128 channels) + a 64-channel UPerNet head.
_base_ = ['./upernet_r50_early-fusion.py']
model = dict(
    backbone=dict(depth=18, stem_channels=32, base_channels=16),
    decode_head=dict(in_channels=[16, 32, 64, 128], channels=64,
                     dropout_ratio=0.0))
