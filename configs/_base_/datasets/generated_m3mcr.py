# The generated default benchmark (tools/dataset_converters/generate_m3mcr_benchmark.py):
# written in exactly the M3M-CR layout and formats (with the validation split held out
# of train/ as tools/dataset_converters/m3mcr_val_split.py writes it), so it runs the
# M3M-CR code path.
# Small batches and few workers for 2-core CPU runs.
_base_ = ['./m3mcr.py']
data_root = 'data/generated_m3mcr'
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root))
# validation (the 40 generated samples of areas held out of train/) and test: the same
# small-batch settings, stated once
eval_settings = dict(batch_size=4, num_workers=2, dataset=dict(data_root=data_root))
val_dataloader = eval_settings
test_dataloader = eval_settings
