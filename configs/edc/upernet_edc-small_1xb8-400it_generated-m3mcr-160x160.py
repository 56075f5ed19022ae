# Drop-in use on the generated benchmark: the small EDCBackbone under a stock UPerHead.
_base_ = [
    '../_base_/models/upernet_edc-base.py', '../_base_/datasets/generated_m3mcr.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_cpu_400it.py'
]
model = dict(
    bands={{_base_.bands}},
    backbone=dict(stream_cfg=dict(embed_dims=(16, 32, 64, 128), depths=(1, 1, 2, 1),
                                  num_heads=(2, 4), pos_mlp_hidden=64,
                                  drop_path_rate=0.1)),
    decode_head=dict(channels=64, pool_scales=(1, 2, 3), dropout_ratio=0.0))
randomness = dict(seed=0)
