# M3M-CR (Xu et al., TGRS 2024) in its distributed layout under data_root, with the
# CloudSeg protocol (docs/design.md §11, §12.7): random 160 x 160 crops at offsets that
# are multiples of 10 px (the 10 m label grid stays aligned), no flips; the whole
# 300 x 300 patch is tested (slide 160 / 80 is set in the model's test_cfg) and
# predictions are taken to the 90 x 90 label grid. M3M-CR publishes no validation split:
# run tools/dataset_converters/m3mcr_val_split.py DATA_ROOT once, which holds whole areas
# out of train/ (splits/val.csv) and lists the rest for training (splits/train.csv).
# The band layout, declared once: the loader checks every file against it and leaf
# configs hand it to the model (model = dict(bands={{_base_.bands}})).
bands = dict(optical=4, sar=2)    # PlanetScope B, G, R, NIR; Sentinel-1 VV, VH
dataset_type = 'M3MCRDataset'
data_root = 'data/M3M-CR'
crop_size = (160, 160)
# What the files store and how it becomes [0, 1]; RadiometricScale refuses tiles
# clearly in other units (linear SAR, 8-bit optical) and the dataset checks the dtypes
# when built. SAR delivered as linear power: add units=dict(sar='linear').
radiometric_ranges = dict(
    img=[(0, 10000)],                 # optical: reflectance x 10000 -> [0, 1]
    clear_img=[(0, 10000)],
    sar=[(-25, 0), (-32.5, 0)])       # VV, VH in dB -> [0, 1]
stored_dtypes = dict(img='uint16', clear_img='uint16', sar=['float32', 'float64'])
train_pipeline = [
    dict(type='LoadOpticalSARTile', bands=bands),
    dict(type='RadiometricScale', ranges=radiometric_ranges, dtypes=stored_dtypes),
    dict(type='MultiModalRandomCrop', crop_size=crop_size),
    dict(type='PackOpticalSARInputs'),
]
test_pipeline = [
    dict(type='LoadOpticalSARTile', bands=bands),
    dict(type='RadiometricScale', ranges=radiometric_ranges, dtypes=stored_dtypes),
    dict(type='PackOpticalSARInputs'),
]
# Test-time augmentation (tools/test.py --tta): each sample as stored and flipped both
# ways; OpticalSARTTAModel averages the views' outputs and keeps the unflipped targets.
tta_pipeline = [
    dict(type='LoadOpticalSARTile', bands=bands),
    dict(type='RadiometricScale', ranges=radiometric_ranges, dtypes=stored_dtypes),
    dict(type='TestTimeAug', transforms=[
        [dict(type='MultiModalRandomFlip', prob=0.0),
         dict(type='MultiModalRandomFlip', prob=1.0, direction='horizontal'),
         dict(type='MultiModalRandomFlip', prob=1.0, direction='vertical')],
        [dict(type='PackOpticalSARInputs')]])
]
train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        ann_file='splits/train.csv',      # train/ minus the validation areas
        class_protocol='6class',
        pipeline=train_pipeline))
# Validation and test share their loader settings through these variables; validation
# (checkpoint selection) reads the areas held out of train/, the test split is touched
# only by tools/test.py.
eval_loader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
eval_dataset = dict(
    type=dataset_type, data_root=data_root, class_protocol='6class',
    pipeline=test_pipeline)
val_dataloader = dict(eval_loader, dataset=dict(eval_dataset, split='val'))
test_dataloader = dict(eval_loader, dataset=dict(eval_dataset, split='test'))
val_evaluator = dict(type='CloudAwareIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
