"""Test-time augmentation for optical-SAR segmentors (flips, through mmseg's SegTTAModel)."""
from typing import List

import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.utils import SampleList


def unflipped_view(views: SampleList):
    """The view of a sample whose inputs were not flipped (its targets are as stored)."""
    for view in views:
        if not view.metainfo.get('flip', False):
            return view
    raise ValueError(f'test-time augmentation of sample '
                     f'{views[0].metainfo.get("sample_key")!r} has no unflipped view; start '
                     'the flips of tta_pipeline with MultiModalRandomFlip(prob=0.0)')


@MODELS.register_module()
class OpticalSARTTAModel(SegTTAModel):
    """``SegTTAModel`` that keeps every output and target of an optical-SAR sample.

    The wrapped segmentor predicts each view (``tta_pipeline``: the sample flipped by
    ``MultiModalRandomFlip`` in several directions) and undoes the flip of its logits
    and of its cloud-free reconstruction itself. Merged here, per sample:

    - ``seg_logits``: mean of the views' softmax (``C x h x w``, the label grid), and
      ``pred_sem_seg`` its argmax, as mmseg's ``SegTTAModel``;
    - ``pred_clear_img``: mean of the views' reconstructions (``C_opt x H x W``), when the
      model has a cloud-removal branch;
    - targets (``gt_sem_seg``, ``gt_cloud_mask``, ``gt_clear_img``) and metainfo from the
      unflipped view (mmseg's merge keeps the last view's, which may be flipped: the
      cloud-subset metrics would then compare against a mirrored cloud mask).
    """

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        merged = []
        for views in data_samples_list:
            reference = unflipped_view(views)
            probabilities = torch.stack(
                [view.seg_logits.data.softmax(dim=0) for view in views]).mean(dim=0)
            reference.seg_logits = PixelData(data=probabilities)
            reference.pred_sem_seg = PixelData(data=probabilities.argmax(dim=0,
                                                                         keepdim=True))
            if 'pred_clear_img' in reference:
                reference.pred_clear_img = PixelData(data=torch.stack(
                    [view.pred_clear_img.data for view in views]).mean(dim=0))
            merged.append(reference)
        return merged
