# Early-fusion reference: the packed [optical (4); SAR (2)] channels enter one stock
# ResNet-50-V1c + UPerNet. Trained from scratch (no 6-band pretrained weights). Inputs
# are already scaled to [0, 1] by RadiometricScale; mean 0 / std 1 keeps the reference
# preprocessing of M3M-CR (no further standardisation).
norm_cfg = dict(type='BN', requires_grad=True)
num_input_channels = 6
data_preprocessor = dict(
    type='OpticalSARDataPreProcessor',
    mean=[0.0] * num_input_channels,
    std=[1.0] * num_input_channels,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=32)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNetV1c',
        in_channels=num_input_channels,
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
