# CloudSeg-sized reference (MiT-B4 streams + EDC fusion and decoders) on M3M-CR, used
# for the side-by-side efficiency comparison with EDC-base (tools/analysis_tools/).
# Trained without a teacher; its inference path is the same as with one.
_base_ = [
    '../_base_/models/edc_mit-b4-streams.py', '../_base_/datasets/m3mcr.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_30e_adam.py'
]
model = dict(bands={{_base_.bands}},
             test_cfg=dict(mode='slide', crop_size=(160, 160), stride=(80, 80)))
