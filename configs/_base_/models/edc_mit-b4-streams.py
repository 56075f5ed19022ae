# The CloudSeg-sized reference for efficiency comparisons: EDC's fusion and decoders
# with three MiT-B4 streams (mmseg's MixVisionTransformer through EDCStreamAdapter;
# widths 64/128/320/512, depths 3/8/27/3), about 200 M parameters like CloudSeg's
# 203.2 M student. Only the stream encoders differ from EDC-base; the heads follow the
# MiT stage widths. TokenLayoutMixVisionTransformer is mmseg's MiT (same parameters and
# checkpoints) with its projections and attention on contiguous tokens, as in the MiT
# CloudSeg uses: under CPU bf16 autocast it gains from bf16 as that network does
# (type='MixVisionTransformer' gives mmseg's layout, docs/design.md §8.4).
_base_ = ['./edc-base.py']
model = dict(
    backbone=dict(
        stream_cfg=dict(
            _delete_=True,
            type='EDCStreamAdapter',
            backbone=dict(type='TokenLayoutMixVisionTransformer', embed_dims=64,
                          num_stages=4, num_layers=[3, 8, 27, 3],
                          num_heads=[1, 2, 5, 8], patch_sizes=[7, 3, 3, 3],
                          sr_ratios=[8, 4, 2, 1], mlp_ratio=4, drop_rate=0.0,
                          attn_drop_rate=0.0, drop_path_rate=0.1))))
