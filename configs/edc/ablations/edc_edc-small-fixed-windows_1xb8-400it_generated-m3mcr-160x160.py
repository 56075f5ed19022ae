# Ablation: the spec's literal attention windows, 7 x 7 over a map padded to a multiple of 7,
# instead of windows fitted to the map (docs/design.md §3.1). Window geometry is decided at
# run time, so no weights change: teacher shared.
_base_ = ['../edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py']
model = dict(backbone=dict(stream_cfg=dict(window_partition='fixed')))
ablation_changes = ['model.backbone.stream_cfg.window_partition']
