# Early-fusion reference: a stock ResNet-50-V1c + UPerNet on the packed [optical; SAR]
# channels (OpticalSAREncoderDecoder sets the backbone's in_channels from the bands and
# the head's in_channels from the backbone).
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='OpticalSAREncoderDecoder',
    data_preprocessor=dict(type='OpticalSARDataPreProcessor', pad_val=0, seg_pad_val=255,
                           size_divisor=32),
    backbone=dict(
        type='ResNetV1c',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(
        type='UPerHead',
        in_channels=[256, 512, 1024, 2048],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=512,
        dropout_ratio=0.1,
        num_classes=6,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                         loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
