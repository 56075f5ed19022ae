# Your own paired tiles in one folder per modality (OpticalSARSegDataset). Change the
# folders, suffixes, bands, classes, label codes and radiometric ranges to your
# data; the example is SEN12MS-CR-like (13-band Sentinel-2, 2-band Sentinel-1 in dB).
# Split files list one sample key per line: <folder>/<key><suffix> must exist for
# every configured modality.
dataset_type = 'OpticalSARSegDataset'
data_root = 'data/my_optical_sar'
bands = dict(optical=13, sar=2)   # leaf configs pass it on: model = dict(bands={{_base_.bands}})
crop_size = (256, 256)
modalities = dict(
    img=dict(folder='s2_cloudy', suffix='.tif'),
    sar=dict(folder='s1', suffix='.tif'),
    clear=dict(folder='s2', suffix='.tif'),
    cloud_mask=dict(folder='cloud_mask', suffix='.tif'),
    seg_map=dict(folder='label', suffix='.tif'))
metainfo = dict(classes=('forest', 'shrubland', 'grassland', 'wetland', 'cropland',
                         'urban', 'barren', 'water'))
label_codes = {1: 0, 2: 1, 4: 2, 5: 3, 6: 4, 7: 5, 9: 6, 10: 7}   # others -> ignored
# What your files store and how it becomes [0, 1]: ranges per band, stored dtypes
# (checked per tile and when the dataset is built); SAR as linear power needs
# units=dict(sar='linear') in RadiometricScale (converted to dB, then these ranges).
radiometric_ranges = dict(img=[(0, 10000)], clear_img=[(0, 10000)],
                          sar=[(-25, 0), (-32.5, 0)])
stored_dtypes = dict(img='uint16', clear_img='uint16', sar='float32')
train_pipeline = [
    dict(type='LoadOpticalSARTile', bands=bands),
    dict(type='RadiometricScale', ranges=radiometric_ranges, dtypes=stored_dtypes),
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
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, modalities=modalities,
                 split_file='train.txt', metainfo=metainfo, label_codes=label_codes,
                 pipeline=train_pipeline))
# validation (val.txt, for checkpoint selection) and test (test.txt) share their loader
# settings through these variables
eval_loader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
eval_dataset = dict(type=dataset_type, data_root=data_root, modalities=modalities,
                    metainfo=metainfo, label_codes=label_codes, pipeline=test_pipeline)
val_dataloader = dict(eval_loader, dataset=dict(eval_dataset, split_file='val.txt'))
test_dataloader = dict(eval_loader, dataset=dict(eval_dataset, split_file='test.txt'))
val_evaluator = dict(type='CloudAwareIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
