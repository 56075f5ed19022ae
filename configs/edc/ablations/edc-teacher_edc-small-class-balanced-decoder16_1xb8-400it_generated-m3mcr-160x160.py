# The class-weighted EDC teacher with a 16-channel last decoder block (8 in EDC-small): a
# teacher-only study of whether the two together stop the failure of docs/design.md
# §6.10 (each alone did not). A student of this teacher would need the same decoder.
_base_ = ['./edc-teacher_edc-small-class-balanced_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(decode_head=dict(decoder_channels=(64, 32, 16, 16, 16)))
