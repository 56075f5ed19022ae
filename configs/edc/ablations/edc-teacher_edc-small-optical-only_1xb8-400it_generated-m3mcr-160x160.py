# Teacher of the optical-only ablation: the SAR channels are blanked (set to their
# normalised mean, 0) by the data preprocessor, so no SAR information enters.
_base_ = ['../edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(data_preprocessor=dict(blank_modalities=('sar',)))
