# Drop-in use: EDCBackbone (EDC-base streams: EDCHybridStream's defaults) inside mmseg's
# EncoderDecoder (OpticalSAREncoderDecoder: the same, plus the band layout) with a stock
# UPerHead, whose in_channels follow the backbone's out_channels. No cloud-removal branch
# or teacher, so the last fusion block refines no stream (final_write_back=()).
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='OpticalSAREncoderDecoder',
    data_preprocessor=dict(type='OpticalSARDataPreProcessor', size_divisor=32),
    backbone=dict(type='EDCBackbone', stream_cfg=dict(type='EDCHybridStream'),
                  final_write_back=()),
    decode_head=dict(
        type='UPerHead', in_index=[0, 1, 2, 3], pool_scales=(1, 2, 3, 6), channels=256,
        dropout_ratio=0.1, num_classes=6, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='slide', crop_size=(160, 160), stride=(80, 80)))
