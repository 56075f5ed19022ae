"""Softmax cross-entropy with class weights that works on labels with ignored pixels."""
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS


@MODELS.register_module()
class ClassWeightedCrossEntropyLoss(CrossEntropyLoss):
    """mmseg's ``CrossEntropyLoss`` (softmax) with per-class weights, averaged as
    ``torch.nn.functional.cross_entropy(weight=...)`` averages:
    ``sum_p w_{y_p} l_p / sum_p w_{y_p}`` over the labelled pixels ``p``.

    mmseg 1.2.2's own class-weighted mean looks up the weight of every label value,
    ignored ones included, and fails with an ``IndexError`` as soon as a label holds
    ``ignore_index`` (255: the batch padding, unmapped codes; open-mmlab/mmsegmentation
    issues 3492 and 3734). This subclass computes that denominator itself over the
    labelled pixels and hands it to mmseg's loss as ``avg_factor``; everything else is
    mmseg's.

    Args:
        class_weight (Sequence[float] | str): one weight per class (or a file of them,
            as mmseg reads it).
        loss_weight (float): factor on the loss.
        loss_name (str): key of the loss (``loss_ce``: the key of the unweighted one).
    """

    def __init__(self, class_weight, loss_weight: float = 1.0, loss_name: str = 'loss_ce'):
        super().__init__(use_sigmoid=False, use_mask=False, reduction='mean',
                         class_weight=class_weight, loss_weight=loss_weight,
                         loss_name=loss_name, avg_non_ignore=True)

    def forward(self, cls_score, label, weight=None, avg_factor=None,
                reduction_override=None, ignore_index=255, **kwargs):
        """Args:
            cls_score (Tensor): logits ``B x K x H x W``.
            label (Tensor): classes ``B x H x W`` (long), ``ignore_index`` where unlabelled.
            weight (Tensor | None): per-pixel factors ``B x H x W`` (mmseg's pixel
                sampler); they scale the pixels' losses, not the denominator.
            avg_factor: the denominator of the mean; by default the class weights'
                sum over the labelled pixels.

        Returns:
            Tensor: the loss, a scalar under ``mean`` and ``sum``.
        """
        reduction = reduction_override or self.reduction
        if avg_factor is None and reduction == 'mean':
            labelled = label[label != ignore_index]
            avg_factor = cls_score.new_tensor(self.class_weight)[labelled].sum()
        return super().forward(cls_score, label, weight, avg_factor=avg_factor,
                               reduction_override=reduction_override,
                               ignore_index=ignore_index, **kwargs)
