# The generated default benchmark (tools/dataset_converters/generate_m3mcr_benchmark.py):
# written in exactly the M3M-CR layout and formats (with the validation split held out
# of train/ as tools/dataset_converters/m3mcr_val_split.py writes it), so it runs the
# M3M-CR code path.
# Small batches and few workers for 2-core CPU runs.
_base_ = ['./m3mcr.py']
data_root = 'data/generated_m3mcr'
# Median-frequency class weights of the training split, for configs that weight the
# cross-entropy by class (ClassWeightedCrossEntropyLoss: EDC's teacher and student). From
# tools/analysis_tools/class_frequencies.py on data seed 0: pixel shares forest 15.7,
# rangeland 26.1, agriculture 10.5, urban 9.2, barren 14.0, water 24.5 %.
class_weight = [0.944, 0.568, 1.409, 1.608, 1.063, 0.606]
# The 200 training tiles fit in memory (about 1.7 MB each per loader process), so each is
# read and checked once per process instead of once per epoch (the M3M-CR pipeline with
# LoadOpticalSARTile(cache=True); the train loader's CPU time per batch of 8 falls from
# about 0.15 s to 0.03 s, which on 2 cores is time taken from training).
train_pipeline = [
    dict(type='LoadOpticalSARTile', bands={{_base_.bands}}, cache=True),
    dict(type='RadiometricScale', ranges={{_base_.radiometric_ranges}},
         dtypes={{_base_.stored_dtypes}}),
    dict(type='MultiModalRandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='PackOpticalSARInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
# validation (the 40 generated samples of areas held out of train/) and test: the same
# small-batch settings, stated once
eval_settings = dict(batch_size=4, num_workers=2, dataset=dict(data_root=data_root))
val_dataloader = eval_settings
test_dataloader = eval_settings
