"""CloudRemovalHead: reconstruction shape, loss on hand-made samples, padding."""
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

CHANNELS = [4, 8, 16, 32]


def build(**kwargs):
    return MODELS.build(dict(type='CloudRemovalHead', in_channels=CHANNELS, out_channels=3,
                             decoder_channels=(16, 8, 8, 4, 4), refine_channels=8,
                             **kwargs))


def cr_sample(height, width, seed, **metainfo):
    gen = torch.Generator().manual_seed(seed)
    sample = SegDataSample(metainfo=metainfo)
    sample.gt_clear_img = PixelData(data=torch.rand(3, height, width, generator=gen))
    sample.gt_cloud_mask = PixelData(
        data=(torch.rand(1, height, width, generator=gen) > 0.5).to(torch.uint8))
    return sample


def hand_loss(pred, samples, rows, cols):
    """The spec's formula over the first ``rows x cols`` pixels."""
    target = torch.stack([s.gt_clear_img.data for s in samples])[..., :rows, :cols]
    mask = torch.stack([s.gt_cloud_mask.data for s in samples]).float()[..., :rows, :cols]
    error = ((pred[..., :rows, :cols] - target) ** 2 + 1e-6) ** 0.45
    return ((1 + 5 * mask) * error).mean()


def test_reconstruction_shape(pyramid):
    head = build()
    assert head(pyramid(160, 160)).shape == (2, 3, 160, 160)
    assert head(pyramid(150, 170), output_size=(150, 170)).shape == (2, 3, 150, 170)
    assert not head.refine.with_activation
    assert build(refine_act_cfg=dict(type='ReLU')).refine.with_activation


def test_loss_matches_the_formula_and_skips_padding(pyramid):
    head = build()
    inputs = pyramid(160, 160)
    samples = [cr_sample(160, 160, seed=i, padding_size=[0, 10, 0, 20]) for i in range(2)]
    losses = head.loss(inputs, samples, train_cfg=dict())
    assert set(losses) == {'loss_cr'}
    pred = head(inputs, output_size=(160, 160))
    assert torch.allclose(losses['loss_cr'], hand_loss(pred, samples, 140, 150), rtol=1e-5)
    losses['loss_cr'].backward()
    assert all(p.grad is not None for p in head.parameters())

    with_padding = build(ignore_padding=False)
    with_padding.load_state_dict(head.state_dict())
    loss = with_padding.loss(inputs, samples, train_cfg=dict())['loss_cr']
    assert torch.allclose(loss, hand_loss(pred, samples, 160, 160), rtol=1e-5)


def test_predict_decodes_to_the_metainfo_size(pyramid):
    head = build().eval()
    metas = [dict(img_shape=(150, 170), pad_shape=(160, 192))] * 2
    with torch.no_grad():
        assert head.predict(pyramid(160, 192), metas, dict()).shape == (2, 3, 160, 192)


def test_output_convs_equal_the_two_literal_convs(pyramid):
    """The 5x5 composition of refine and conv_out gives what the two convs give."""
    head = build().eval()
    with torch.no_grad():
        for size in ((160, 160), (150, 170)):
            feature = head.decoder(list(pyramid(*size)), size)
            literal = head.conv_out(head.refine(feature))
            assert torch.allclose(head(pyramid(*size), output_size=size), literal, atol=1e-5)
