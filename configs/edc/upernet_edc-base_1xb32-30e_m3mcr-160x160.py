# Drop-in use on M3M-CR: EDCBackbone (EDC-base size) + stock UPerHead in a plain
# EncoderDecoder, CloudSeg protocol.
_base_ = [
    '../_base_/models/upernet_edc-base.py', '../_base_/datasets/m3mcr.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_30e_adam.py'
]
model = dict(bands={{_base_.bands}})
