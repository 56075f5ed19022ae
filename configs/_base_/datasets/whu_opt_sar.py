# WHU-OPT-SAR (Li et al., JAG 2022) as tools/dataset_converters/whu_opt_sar.py writes it:
# 256 x 256 tiles of 4-band 8-bit GF-1 optical (R, G, B, NIR) and 1-band 8-bit GF-3 SAR,
# both scaled from [0, 255] to [0, 1]; 7 classes, background ignored ('8class' keeps it).
# The dataset has no clouds: training draws fresh clouds on the cloud-free tile every
# iteration (SynthesizeClouds, cover uniform in 10-90 %, the converter's recipe); val (a
# scene-level hold-out of the official train scenes) and test (the official test scenes)
# read the converter's saved, seeded clouds and masks. Drop SynthesizeClouds from the train
# pipeline to train on the saved clouds instead.
# The band layout, declared once: the loader checks every file against it and leaf
# configs hand it to the model (model = dict(bands={{_base_.bands}})).
bands = dict(optical=4, sar=1)    # GF-1 R, G, B, NIR; GF-3 SAR
dataset_type = 'WHUOptSARDataset'
data_root = 'data/whu-opt-sar-256'
crop_size = (256, 256)
# What the tiles store and how it becomes [0, 1] (checked per tile and when built).
radiometric_ranges = dict(
    img=[(0, 255)],                   # 8-bit optical, R G B NIR -> [0, 1]
    clear_img=[(0, 255)],
    sar=[(0, 255)])                   # 8-bit SAR -> [0, 1]
stored_dtypes = dict(img='uint8', clear_img='uint8', sar='uint8')
cloud_tint = (1.0, 0.96, 0.92, 1.06)  # R, G, B, NIR; the converter's CLOUD_TINT
train_pipeline = [
    dict(type='LoadOpticalSARTile', bands=bands),
    dict(type='RadiometricScale', ranges=radiometric_ranges, dtypes=stored_dtypes),
    dict(type='SynthesizeClouds', cover_range=(0.1, 0.9), band_tint=cloud_tint),
    dict(type='MultiModalRandomCrop', crop_size=crop_size),
    dict(type='MultiModalRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='MultiModalRandomRotate90', prob=0.5),
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
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 class_protocol='7class', pipeline=train_pipeline))
# validation (scenes held out of the official train scenes) and test share their loader
# settings through these variables
eval_loader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
eval_dataset = dict(type=dataset_type, data_root=data_root, class_protocol='7class',
                    pipeline=test_pipeline)
val_dataloader = dict(eval_loader, dataset=dict(eval_dataset, split='val'))
test_dataloader = dict(eval_loader, dataset=dict(eval_dataset, split='test'))
val_evaluator = dict(type='CloudAwareIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
