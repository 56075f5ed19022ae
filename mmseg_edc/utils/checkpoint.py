"""Strict checkpoint loading for testing and inference.

mmengine loads a checkpoint leniently: weights it does not find are left at their
initialisation with a warning, so a checkpoint of another model gives results of random
weights. Testing and inference instead compare the checkpoint's weights with the
model's first and refuse any difference, naming how many weights are missing,
unexpected or of another shape, and a few of each.

Two kinds of weights are not compared: a frozen teacher inside a student (under
``teacher.``, when the model's ``teacher`` is not None; a student checkpoint does not
hold it, the teacher is loaded from its own checkpoint) and the weights of parts the
caller built the model without on purpose (``left_out``: e.g. the auxiliary head and
distillation loss of the inference model).
"""
import re
from collections import OrderedDict

from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import CheckpointLoader, load_state_dict

#: How many keys of each kind an error names.
KEYS_NAMED = 5
TEACHER_PREFIX = 'teacher.'


class CheckpointMismatchError(ValueError):
    """A checkpoint's weights do not fit the model it is loaded into."""


def bare_model(model):
    """The segmentor inside a distributed wrapper or a test-time-augmentation model."""
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return model


def checkpoint_weights(checkpoint, left_out=()):
    """The weights of a loaded checkpoint, keyed as the model names them.

    Args:
        checkpoint (dict): with a ``state_dict``, or a bare state dict.
        left_out (Sequence[str]): module names whose weights are dropped.

    Returns:
        OrderedDict: the ``module.`` prefix of wrapped models removed, as mmengine
        does when loading; the state dict's ``_metadata`` kept.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    dropped = tuple(f'{name}.' for name in left_out)
    weights = OrderedDict()
    for key, value in state_dict.items():
        key = re.sub(r'^module\.', '', key)
        if not key.startswith(dropped):
            weights[key] = value
    weights._metadata = getattr(state_dict, '_metadata', OrderedDict())
    return weights


def state_dict_mismatches(expected, weights):
    """What keeps ``weights`` from loading exactly where ``expected`` is.

    Args:
        expected (Mapping[str, Tensor]): the model's state dict.
        weights (Mapping[str, Tensor]): the checkpoint's.

    Returns:
        list[str]: one ``'<kind> (<count>): <key>, ...'`` entry per kind of
        difference (missing keys, unexpected keys, shape mismatches); empty when the
        weights fit. Missing BatchNorm ``num_batches_tracked`` counters are ignored,
        as mmengine does.
    """
    missing = sorted(key for key in set(expected) - set(weights)
                     if not key.endswith('num_batches_tracked'))
    unexpected = sorted(set(weights) - set(expected))
    mismatched = sorted(
        f'{key} (checkpoint {tuple(weights[key].shape)}, model {tuple(value.shape)})'
        for key, value in expected.items()
        if key in weights and tuple(weights[key].shape) != tuple(value.shape))
    problems = []
    for kind, keys in (('missing keys', missing), ('unexpected keys', unexpected),
                       ('shape mismatches', mismatched)):
        if keys:
            more = ', ...' if len(keys) > KEYS_NAMED else ''
            problems.append(f'{kind} ({len(keys)}): '
                            f'{", ".join(keys[:KEYS_NAMED])}{more}')
    return problems


def check_checkpoint_fits(model, checkpoint, source, left_out=()):
    """Raise unless ``checkpoint`` holds exactly the weights of ``model``.

    Args:
        model (nn.Module): the model (wrappers and TTA models are looked through).
        checkpoint (dict): a loaded checkpoint (``state_dict`` and ``meta``, or a bare
            state dict).
        source (str): where it came from, named in the error.
        left_out (Sequence[str]): parts the model was built without; their weights
            in the checkpoint are ignored.

    Raises:
        CheckpointMismatchError: naming the counts and the first keys of each kind.
    """
    model = bare_model(model)
    expected = model.state_dict()
    if getattr(model, 'teacher', None) is not None:   # loaded from its own checkpoint
        expected = {key: value for key, value in expected.items()
                    if not key.startswith(TEACHER_PREFIX)}
        left_out = (*left_out, TEACHER_PREFIX[:-1])
    problems = state_dict_mismatches(expected, checkpoint_weights(checkpoint, left_out))
    if problems:
        raise CheckpointMismatchError(
            f'checkpoint {source} does not fit the model {type(model).__name__} (is it '
            f'a checkpoint of this config?): {"; ".join(problems)}')


def load_checkpoint_strictly(model, filename, left_out=(), map_location='cpu'):
    """Read a checkpoint with mmengine, check it fits ``model``, then load it.

    Args:
        model (nn.Module): receives the weights.
        filename (str): anything mmengine's ``CheckpointLoader`` reads (local path,
            URL, ``open-mmlab://``...).
        left_out (Sequence[str]): see :func:`check_checkpoint_fits`.
        map_location (str): device the tensors are read onto.

    Returns:
        dict: the checkpoint (``meta`` included).

    Raises:
        CheckpointMismatchError: the weights do not fit; ``model`` is left unchanged.
    """
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location=map_location)
    check_checkpoint_fits(model, checkpoint, filename, left_out)
    # lenient only where the check is: a student's teacher is loaded from elsewhere
    load_state_dict(bare_model(model), checkpoint_weights(checkpoint, left_out))
    return checkpoint
