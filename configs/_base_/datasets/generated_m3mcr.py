# The generated default benchmark (tools/dataset_converters/generate_m3mcr_benchmark.py):
# written in exactly the M3M-CR layout and formats, so it runs the M3M-CR code path.
# Small batches and few workers for 2-core CPU runs.
_base_ = ['./m3mcr.py']
data_root = 'data/generated_m3mcr'
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root))
val_dataloader = dict(
    batch_size=4, num_workers=2, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
