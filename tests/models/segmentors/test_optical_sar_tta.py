"""OpticalSARTTAModel: flips averaged, the reconstruction kept, targets from the plain view."""
import pytest
import torch
from edc_toys import make_batch, model_cfg
from mmengine.structures import PixelData
from mmseg.registry import MODELS


def flipped(batch):
    """The batch mirrored left-right, inputs, targets and metainfo alike."""
    for i, sample in enumerate(batch['data_samples']):
        batch['inputs'][i] = batch['inputs'][i].flip(-1)
        for name in ('gt_sem_seg', 'gt_clear_img', 'gt_cloud_mask'):
            setattr(sample, name, PixelData(data=getattr(sample, name).data.flip(-1)))
        sample.set_metainfo(dict(flip=True, flip_direction='horizontal'))
    return batch


def test_views_are_averaged_and_the_plain_views_targets_kept():
    torch.manual_seed(0)
    model = MODELS.build(model_cfg()).eval()
    plain = model.test_step(make_batch(batch=1, size=(64, 48), label=(20, 15)))[0]
    mirrored = model.test_step(flipped(make_batch(batch=1, size=(64, 48), label=(20, 15))))[0]
    tta = MODELS.build(dict(type='OpticalSARTTAModel', module=model))
    views = [flipped(make_batch(batch=1, size=(64, 48), label=(20, 15))),
             make_batch(batch=1, size=(64, 48), label=(20, 15))]     # plain view second
    merged = tta.test_step(dict(inputs=[v['inputs'] for v in views],
                                data_samples=[v['data_samples'] for v in views]))[0]
    expected = (plain.seg_logits.data.softmax(0) + mirrored.seg_logits.data.softmax(0)) / 2
    torch.testing.assert_close(merged.seg_logits.data, expected)
    assert torch.equal(merged.pred_sem_seg.data, expected.argmax(0, keepdim=True))
    torch.testing.assert_close(merged.pred_clear_img.data, (
        plain.pred_clear_img.data + mirrored.pred_clear_img.data) / 2)
    # the cloud mask covers the top half: only the plain view's mask is as stored
    assert torch.equal(merged.gt_cloud_mask.data, plain.gt_cloud_mask.data)
    assert not merged.metainfo.get('flip', False)


def test_a_view_set_without_a_plain_view_is_refused():
    model = MODELS.build(model_cfg()).eval()
    tta = MODELS.build(dict(type='OpticalSARTTAModel', module=model))
    view = flipped(make_batch(batch=1, size=(32, 32), label=(10, 10)))
    with pytest.raises(ValueError, match='no unflipped view'):
        tta.test_step(dict(inputs=[view['inputs']], data_samples=[view['data_samples']]))
