"""The compatibility layer: the mmcv._ext placeholder, the post-import hook and safe
checkpoint loading (allowed: what mmengine writes; refused: anything that runs code)."""
import importlib
import os
import pickle
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

import _mmseg_edc_compat
import mmseg_edc  # noqa: F401
from _mmseg_edc_compat import checkpoints
from _mmseg_edc_compat.post_import import PostImportHooks
from mmseg_edc import compat


def test_mmseg_models_import_and_compiled_ops_fail_only_when_called():
    import mmcv.ops
    import mmseg.models  # noqa: F401
    assert isinstance(sys.modules['mmcv._ext'], compat.MissingCompiledOps)
    with pytest.raises(NotImplementedError, match="'nms' needs the compiled mmcv"):
        mmcv.ops.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)


@pytest.fixture
def fresh_mmcv_ext(monkeypatch):
    """Forget the imported ``mmcv._ext`` for one test (restored afterwards)."""
    import mmcv
    monkeypatch.delitem(sys.modules, 'mmcv._ext')
    monkeypatch.delattr(mmcv, '_ext', raising=False)
    return mmcv


def test_placeholder_is_imported_when_no_compiled_ops_exist(fresh_mmcv_ext):
    assert not compat.compiled_mmcv_available()
    module = importlib.import_module('mmcv._ext')
    assert isinstance(module, compat.MissingCompiledOps)
    assert module.__spec__.name == 'mmcv._ext'
    assert callable(module.any_operator)


def test_a_compiled_mmcv_ext_is_found_before_the_placeholder(fresh_mmcv_ext, tmp_path,
                                                             monkeypatch):
    # a module file named _ext inside mmcv's package path plays the compiled extension
    (tmp_path / '_ext.py').write_text('COMPILED = True\n')
    monkeypatch.setattr(fresh_mmcv_ext, '__path__', [str(tmp_path), *fresh_mmcv_ext.__path__])
    assert compat.compiled_mmcv_available()
    module = importlib.import_module('mmcv._ext')
    assert module.COMPILED and not isinstance(module, compat.MissingCompiledOps)


def test_install_and_apply_are_idempotent():
    _mmseg_edc_compat.install()
    fixes = compat.apply_compat_fixes()
    assert fixes == dict(mmcv_ext_placeholder=True, safe_checkpoints=True)
    hook_types = [type(f).__name__ for f in sys.meta_path]
    assert hook_types.count('CompiledOpsPlaceholderFinder') == 1
    assert hook_types.count('PostImportHooks') == 1


def test_post_import_hook_runs_after_the_module_and_leaves_its_loader(tmp_path, monkeypatch):
    (tmp_path / 'hooked_module_sample.py').write_text('VALUE = 41\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    seen = []
    hooks = PostImportHooks()
    hooks.register('hooked_module_sample', lambda module: seen.append(module.VALUE + 1))
    monkeypatch.setattr(sys, 'meta_path', [hooks, *sys.meta_path])
    monkeypatch.delitem(sys.modules, 'hooked_module_sample', raising=False)
    module = importlib.import_module('hooked_module_sample')
    assert seen == [42]
    assert type(module.__loader__).__name__ == 'SourceFileLoader'
    assert module.__spec__.loader is module.__loader__
    sys.modules.pop('hooked_module_sample')


def mmengine_like_checkpoint(path):
    """What mmengine's Runner.save_checkpoint writes: weights, meta, the message hub
    (HistoryBuffers, numpy scalars), optimizer and scheduler states."""
    hub = MessageHub('compat_test_hub')
    for loss in (0.9, 0.7):
        hub.update_scalar('train/loss', loss)
    hub.update_scalar('train/lr', np.float32(0.002))
    hub.update_info('eta', np.float64(12.5))
    hub.update_info('iter', 2)
    weights = torch.nn.Linear(2, 1)
    optimizer = torch.optim.AdamW(weights.parameters())
    weights(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    torch.save(dict(meta=dict(iter=2, dataset_meta=dict(classes=('a', 'b'))),
                    state_dict=weights.state_dict(), message_hub=hub.state_dict(),
                    optimizer=optimizer.state_dict(),
                    param_schedulers=[dict(last_step=2, base_values=[0.002])]), path)
    return str(path)


def test_mmengine_checkpoints_load_with_weights_only(tmp_path):
    loaded = CheckpointLoader.load_checkpoint(
        mmengine_like_checkpoint(tmp_path / 'ckpt.pth'), map_location='cpu')
    history = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(history, HistoryBuffer)
    assert history.statistics('mean') == pytest.approx(0.8)   # (0.9 + 0.7) / 2
    assert loaded['message_hub']['runtime_info']['eta'] == np.float64(12.5)
    assert loaded['optimizer']['state'][0]['step'] == 1


class RunsAShellCommand:
    """A pickle payload: unpickling calls ``os.system(command)``."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_a_checkpoint_that_runs_code_is_refused_and_its_payload_never_runs(tmp_path):
    marker = tmp_path / 'payload_ran'
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={'w': torch.ones(1)},
                    meta=RunsAShellCommand(f'touch {marker}')), path)
    with pytest.raises(compat.UnsafeCheckpointError) as refused:
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    message = str(refused.value)
    assert path in message and f'it references {os.system.__module__}.system' in message
    assert 'Load only checkpoints you trust' in message
    with pytest.raises(compat.UnsafeCheckpointError):
        mmengine_checkpoint.load_checkpoint(torch.nn.Linear(1, 1), path)
    assert not marker.exists()


def test_only_history_buffer_statistics_pass_as_getattr(tmp_path):
    class ReachesForInit:
        def __reduce__(self):
            return getattr, (HistoryBuffer, '__init__')

    path = str(tmp_path / 'getattr.pth')
    torch.save(dict(meta=ReachesForInit()), path)
    with pytest.raises(compat.UnsafeCheckpointError, match='only the statistics methods'):
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert checkpoints.history_buffer_statistic(HistoryBuffer, 'max') is HistoryBuffer.max
    with pytest.raises(pickle.UnpicklingError):
        checkpoints.history_buffer_statistic(os, 'system')


def test_object_arrays_are_refused(tmp_path):
    path = str(tmp_path / 'objects.pth')
    torch.save(dict(meta=np.array([{'a': 1}], dtype=object)), path)
    with pytest.raises(compat.UnsafeCheckpointError, match=str(path)):
        CheckpointLoader.load_checkpoint(path, map_location='cpu')


def test_another_local_loader_is_left_alone(monkeypatch):
    def users_loader(filename, map_location):
        return torch.load(filename, map_location=map_location, weights_only=True)

    monkeypatch.setitem(CheckpointLoader._schemes, '', users_loader)
    assert checkpoints.configure(mmengine_checkpoint) is False
    assert CheckpointLoader._schemes[''] is users_loader


def test_mmengine_loader_is_left_alone_on_old_torch(monkeypatch):
    monkeypatch.setitem(CheckpointLoader._schemes, '', mmengine_checkpoint.load_from_local)
    monkeypatch.setattr(checkpoints.torch, '__version__', '2.5.1')
    assert checkpoints.configure(mmengine_checkpoint) is False
    assert CheckpointLoader._schemes[''] is mmengine_checkpoint.load_from_local
