"""EDCSegHead: logits, distillation feature and the loss on a coarser label grid."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

CHANNELS = [4, 8, 16, 32]


def build(**kwargs):
    return MODELS.build(dict(type='EDCSegHead', in_channels=CHANNELS, num_classes=6,
                             decoder_channels=(16, 8, 8, 4, 4), **kwargs))


def label_sample(label, **metainfo):
    sample = SegDataSample(metainfo=metainfo)
    sample.gt_sem_seg = PixelData(data=label[None])
    return sample


def test_logits_and_feature_at_full_resolution(pyramid):
    head = build()
    logits, feature = head.forward_with_features(pyramid(160, 160))
    assert logits.shape == (2, 6, 160, 160) and feature.shape == (2, 4, 160, 160)
    assert head.conv_seg.kernel_size == (3, 3)
    assert torch.equal(head(pyramid(160, 160)), logits)
    assert torch.equal(head.decoder_feature(pyramid(160, 160)), feature)
    assert head(pyramid(150, 170), output_size=(150, 170)).shape == (2, 6, 150, 170)


def test_loss_by_feat_takes_logits_to_the_coarser_label_grid():
    head = build()
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 6, 160, 160, generator=gen)
    labels = torch.randint(0, 6, (2, 48, 48), generator=gen)
    labels[0, :5] = 255
    labels[1, :, -3:] = 255
    samples = [label_sample(label) for label in labels]
    losses = head.loss_by_feat(logits, samples)
    on_label_grid = F.interpolate(logits, size=(48, 48), mode='bilinear',
                                  align_corners=False)
    expected = F.cross_entropy(on_label_grid, labels, ignore_index=255)
    assert torch.allclose(losses['loss_ce'], expected, atol=1e-5)
    assert 0 <= losses['acc_seg'] <= 100


def test_cloudy_label_pixels_weigh_cloudy_pixel_weight_in_the_loss():
    head = build(cloudy_pixel_weight=3.0)
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 6, 40, 40, generator=gen)
    labels = torch.randint(0, 6, (2, 12, 12), generator=gen)
    labels[1, 0, :4] = 255
    clouds = torch.zeros(2, 40, 40, dtype=torch.uint8)
    clouds[0, :20] = 1                                  # top half of sample 0 cloudy
    samples = [label_sample(label) for label in labels]
    for sample, cloud in zip(samples, clouds):
        sample.gt_cloud_mask = PixelData(data=cloud[None])
    on_label_grid = F.interpolate(logits, size=(12, 12), mode='bilinear',
                                  align_corners=False)
    per_pixel = F.cross_entropy(on_label_grid, labels, ignore_index=255, reduction='none')
    weights = torch.ones(2, 12, 12)
    weights[0, :6] = 3.0                                # label rows under rows 0-19
    expected = (per_pixel * weights).sum() / (labels != 255).sum()
    losses = head.loss_by_feat(logits, samples)
    assert torch.allclose(losses['loss_ce'], expected, atol=1e-5)
    assert head.sampler is None                         # the head's own sampler is back
    del samples[0].gt_cloud_mask
    with pytest.raises(KeyError, match='gt_cloud_mask'):
        head.loss_by_feat(logits, samples)
    with pytest.raises(ValueError, match='> 0'):
        build(cloudy_pixel_weight=0)


def test_loss_decodes_to_the_padded_size_and_backpropagates(pyramid):
    head = build()
    samples = [label_sample(torch.randint(0, 6, (48, 48)), img_shape=(150, 160),
                            pad_shape=(160, 160)) for _ in range(2)]
    losses = head.loss(pyramid(160, 160), samples, train_cfg=dict())
    assert set(losses) == {'loss_ce', 'acc_seg'}
    losses['loss_ce'].backward()
    assert all(p.grad is not None for p in head.parameters())


def test_predict_decodes_to_the_slide_window(pyramid):
    head = build().eval()
    metas = [dict(img_shape=torch.Size([150, 170]), pad_shape=(160, 192))] * 2
    assert head.predict(pyramid(150, 170), metas, test_cfg=dict()).shape == (2, 6, 150, 170)


def test_classifier_runs_in_fp32_under_bf16_autocast(pyramid):
    """docs/design.md §8.4: the logits are computed and returned in fp32."""
    head = build().eval()
    levels = pyramid(64, 64)
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16):
        logits, feature = head.forward_with_features(levels, (64, 64))
        expected = head.conv_seg(feature.float())   # autocast would make this bf16
    assert logits.dtype == torch.float32 and feature.dtype == torch.bfloat16
    assert expected.dtype == torch.bfloat16
    with torch.no_grad():
        assert torch.allclose(logits, head.conv_seg(feature.float()), atol=1e-6)
