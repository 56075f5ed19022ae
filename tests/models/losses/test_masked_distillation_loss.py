"""MaskedFeatureDistillationLoss: hand values, empty and full masks, masked pixels."""
import pytest
import torch
from mmseg.registry import MODELS

from mmseg_edc.models.losses import MaskedFeatureDistillationLoss


def features(seed=0, shape=(2, 3, 4, 4)):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=gen).requires_grad_(),
            torch.randn(*shape, generator=gen).requires_grad_())


def test_hand_value_mean_over_clear_pixels_and_channels():
    loss = MaskedFeatureDistillationLoss()
    student = torch.tensor([[[[1., 2.]], [[3., 4.]]]])        # 1 x 2 x 1 x 2
    teacher = torch.zeros_like(student)
    cloud = torch.tensor([[[[0, 1]]]])                        # second pixel cloudy
    # clear pixel: 1^2 + 3^2 over 1 pixel x 2 channels
    assert torch.isclose(loss(student, teacher, cloud), torch.tensor(5.))


def test_all_pixels_ignores_the_cloud_mask_but_not_the_padding():
    loss = MaskedFeatureDistillationLoss(pixels='all')
    student = torch.tensor([[[[1., 2.]], [[3., 4.]]]])        # 1 x 2 x 1 x 2
    teacher = torch.zeros_like(student)
    cloud = torch.tensor([[[[0, 1]]]])
    # both pixels: (1 + 4 + 9 + 16) / (2 pixels x 2 channels)
    assert torch.isclose(loss(student, teacher, cloud), torch.tensor(7.5))
    valid = torch.tensor([[[[1, 0]]]])                        # second pixel is padding
    assert torch.isclose(loss(student, teacher, cloud, valid), torch.tensor(5.))
    with pytest.raises(ValueError, match="'clear' or 'all'"):
        MaskedFeatureDistillationLoss(pixels='cloudy')


def test_cloud_free_mask_is_plain_mse():
    loss = MODELS.build(dict(type='MaskedFeatureDistillationLoss', loss_weight=0.5))
    student, teacher = features()
    value = loss(student, teacher, torch.zeros(2, 1, 4, 4))
    assert torch.isclose(value, 0.5 * ((student - teacher) ** 2).mean())
    assert loss.loss_name == 'loss_distill'


def test_all_cloud_mask_gives_a_graph_connected_zero():
    student, teacher = features()
    value = MaskedFeatureDistillationLoss()(student, teacher, torch.ones(2, 1, 4, 4))
    assert torch.isfinite(value) and value.item() == 0
    value.backward()
    assert student.grad is not None and torch.all(student.grad == 0)


def test_teacher_is_detached():
    student, teacher = features()
    MaskedFeatureDistillationLoss()(student, teacher, torch.zeros(2, 1, 4, 4)).backward()
    assert teacher.grad is None and student.grad.abs().sum() > 0


def test_cloudy_pixels_do_not_count():
    student, teacher = features()
    cloud = torch.zeros(2, 1, 4, 4)
    cloud[:, :, :2] = 1
    loss = MaskedFeatureDistillationLoss()
    before = loss(student, teacher, cloud)
    changed = student.detach().clone()
    changed[:, :, :2] += 100
    assert torch.isclose(loss(changed, teacher, cloud), before)


def test_mask_on_another_grid_is_nearest_resized():
    student, teacher = features()
    coarse = torch.tensor([[[[1., 0.], [0., 0.]]]]).expand(2, 1, 2, 2)
    fine = coarse.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    loss = MaskedFeatureDistillationLoss()
    assert torch.isclose(loss(student, teacher, coarse), loss(student, teacher, fine))


def test_valid_mask_leaves_pixels_out():
    student, teacher = features()
    valid = torch.ones(2, 1, 4, 4)
    valid[..., 3:] = 0
    loss = MaskedFeatureDistillationLoss()
    cropped = loss(student[..., :3], teacher[..., :3], torch.zeros(2, 1, 4, 3))
    assert torch.isclose(loss(student, teacher, torch.zeros(2, 1, 4, 4), valid), cropped)
