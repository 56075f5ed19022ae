# A small EDC for CPU runs (make demo): the same architecture at a quarter of the width
# and fewer blocks. Only sizes change; every component of EDC-base is present. The
# segmentation decoder's last block keeps 16 channels (8 before): with 8, one teacher
# seed in five never learned a class SAR tells apart (docs/design.md §6.10).
_base_ = ['./edc-base.py']
model = dict(
    backbone=dict(stream_cfg=dict(embed_dims=(16, 32, 64, 128), depths=(1, 1, 2, 1),
                                  num_heads=(2, 4), pos_mlp_hidden=64,
                                  drop_path_rate=0.1)),
    decode_head=dict(decoder_channels=(64, 32, 16, 16, 16)),
    cloud_removal_head=dict(decoder_channels=(64, 32, 16, 16, 8), refine_channels=16))
