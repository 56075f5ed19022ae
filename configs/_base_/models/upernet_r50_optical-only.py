# Optical-only reference: the early-fusion model reading only the optical bands (the data
# preprocessor drops SAR; the backbone's in_channels follow).
_base_ = ['./upernet_r50_early-fusion.py']
model = dict(input_modalities=('optical',))
