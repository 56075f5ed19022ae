# EDC teacher with an 8-channel last segmentation-decoder block (16 by default): with 8
# and plain cross-entropy one teacher seed in five failed; class weights alone did not
# stop it (docs/design.md §6.10).
_base_ = ['../edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(decode_head=dict(decoder_channels=(64, 32, 16, 16, 8)))
