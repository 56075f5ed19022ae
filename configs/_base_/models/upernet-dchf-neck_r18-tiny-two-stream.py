# DCHF as a neck (docs/design.md §9.2): two stock ResNet-18-V1c streams at a quarter of
# the usual width (16/32/64/128), one on the optical and one on the SAR bands
# (TwoStreamBackbone), fused level by level by DCHFNeck under a stock UPerHead, whose
# in_channels follow the neck's out_channels.
norm_cfg = dict(type='BN', requires_grad=True)
tiny_resnet = dict(
    type='ResNetV1c', depth=18, stem_channels=32, base_channels=16, num_stages=4,
    out_indices=(0, 1, 2, 3), dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2),
    norm_cfg=norm_cfg, norm_eval=False, style='pytorch', contract_dilation=True)
model = dict(
    type='OpticalSAREncoderDecoder',
    data_preprocessor=dict(type='OpticalSARDataPreProcessor', size_divisor=32),
    backbone=dict(type='TwoStreamBackbone', optical=tiny_resnet),
    neck=dict(type='DCHFNeck', in_channels=[16, 32, 64, 128]),
    decode_head=dict(
        type='UPerHead', in_index=[0, 1, 2, 3], pool_scales=(1, 2, 3), channels=64,
        dropout_ratio=0.0, num_classes=6, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
