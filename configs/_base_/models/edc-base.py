# EDC-base, the faithful size (docs/design.md): three FasterViT-0-sized streams (optical,
# SAR, cross-modal; 64/128/256/512 channels, depths 2/3/6/5, carrier-token attention at
# 1/16, window attention at 1/32), DCHF after every stage, a U-Net segmentation head over
# the fused pyramid and a U-Net cloud-removal head over the optical pyramid.
# The band counts come from the dataset base (leaf configs: model = dict(bands=...));
# they set the data preprocessor, the stream stems and the cloud-removal output. Heads
# take their input widths from the backbone. Inputs are already scaled to [0, 1] by
# RadiometricScale, so the data preprocessor does not normalise further.
norm_cfg = dict(type='BN', requires_grad=True)
num_classes = 6
model = dict(
    type='EDCSegmentor',
    data_preprocessor=dict(
        type='OpticalSARDataPreProcessor', pad_val=0, seg_pad_val=255, size_divisor=32),
    backbone=dict(
        type='EDCBackbone',
        stream_cfg=dict(
            type='EDCHybridStream',
            embed_dims=(64, 128, 256, 512),
            depths=(2, 3, 6, 5),
            num_heads=(8, 16),
            window_size=7,
            window_partition='fitted',
            carrier_token_size=2,
            use_carrier_tokens=True,
            drop_path_rate=0.2,
            norm_cfg=norm_cfg),
        fusion_cfg=dict(type='DCHF', use_reliability=True, weighted_pool=True,
                        discrepancy='difference', reduction=16)),
    decode_head=dict(
        type='EDCSegHead',
        decoder_channels=(256, 128, 64, 32, 16),
        num_classes=num_classes,
        norm_cfg=norm_cfg,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),
    cloud_removal_head=dict(
        type='CloudRemovalHead',
        decoder_channels=(256, 128, 64, 32, 16),
        norm_cfg=norm_cfg,
        loss_decode=dict(type='CloudWeightedCharbonnierLoss', loss_weight=1.0,
                         cloud_weight=5.0, eps=1e-6, exponent=0.45)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
