# Drop-in use: EDCBackbone inside a plain mmseg EncoderDecoder with a stock UPerHead.
# The backbone's forward returns the fused pyramid; no cloud-removal branch or teacher,
# so the last fusion block refines no stream (final_write_back=()).
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(type='OpticalSARDataPreProcessor', mean=[0.0] * 6,
                           std=[1.0] * 6, size_divisor=32),
    backbone=dict(type='EDCBackbone', optical_channels=4, sar_channels=2,
                  final_write_back=()),
    decode_head=dict(
        type='UPerHead', in_channels=[64, 128, 256, 512], in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6), channels=256, dropout_ratio=0.1, num_classes=6,
        norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='slide', crop_size=(160, 160), stride=(80, 80)))
