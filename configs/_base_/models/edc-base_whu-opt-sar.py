# EDC-base for WHU-OPT-SAR: 7 classes (the bands, 4 optical + 1 SAR, come from the
# dataset base through the leaf configs).
_base_ = ['./edc-base.py']
model = dict(decode_head=dict(num_classes=7))
