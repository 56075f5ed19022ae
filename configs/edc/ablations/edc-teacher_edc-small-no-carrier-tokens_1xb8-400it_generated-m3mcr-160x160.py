# Teacher of the no-carrier-token ablation: the EDC teacher without carrier tokens.
_base_ = ['../edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(backbone=dict(stream_cfg=dict(use_carrier_tokens=False)))
