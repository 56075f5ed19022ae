# EDC-base for WHU-OPT-SAR inputs: 4 optical bands (R, G, B, NIR) + 1 SAR band = 5 input
# channels, 7 classes; the cloud-removal head still predicts the 4 optical bands.
_base_ = ['./edc-base.py']
optical_channels, sar_channels, num_classes = 4, 1, 7
model = dict(
    data_preprocessor=dict(mean=[0.0] * (optical_channels + sar_channels),
                           std=[1.0] * (optical_channels + sar_channels)),
    backbone=dict(optical_channels=optical_channels, sar_channels=sar_channels),
    decode_head=dict(num_classes=num_classes),
    cloud_removal_head=dict(out_channels=optical_channels))
