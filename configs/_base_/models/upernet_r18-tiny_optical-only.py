# Optical-only counterpart of the tiny CPU reference.
_base_ = ['./upernet_r18-tiny_early-fusion.py']
model = dict(
    data_preprocessor=dict(
        input_channels=[0, 1, 2, 3], mean=[0.0] * 4, std=[1.0] * 4),
    backbone=dict(in_channels=4))
