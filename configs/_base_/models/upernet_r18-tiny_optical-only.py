# Optical-only counterpart of the tiny CPU reference.
_base_ = ['./upernet_r18-tiny_early-fusion.py']
model = dict(input_modalities=('optical',))
