# Optical-only counterpart of the EDC-small-sized reference.
_base_ = ['./upernet_r18-small_early-fusion.py']
model = dict(input_modalities=('optical',))
