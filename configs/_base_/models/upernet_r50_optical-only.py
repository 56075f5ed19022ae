# Optical-only reference: the same packed data, the model keeps the 4 optical bands
# (the data preprocessor drops the SAR channels).
_base_ = ['./upernet_r50_early-fusion.py']
model = dict(
    data_preprocessor=dict(
        input_channels=[0, 1, 2, 3], mean=[0.0] * 4, std=[1.0] * 4),
    backbone=dict(in_channels=4))
