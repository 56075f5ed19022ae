# Early-fusion reference sized to EDC-small's student (2.50 M parameters): ResNet-18-V1c
# with 22/44/88/176 channels + a 96-channel UPerNet head, 2.49 M parameters.
_base_ = ['./upernet_r18-tiny_early-fusion.py']
model = dict(
    backbone=dict(stem_channels=44, base_channels=22),
    decode_head=dict(in_channels=[22, 44, 88, 176], channels=96))
