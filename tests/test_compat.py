"""The two compatibility fixes: active where needed, inert where not."""
import sys
import types

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader

import mmseg_edc  # noqa: F401
from mmseg_edc import compat


def test_mmseg_models_import_and_compiled_ops_fail_only_when_called():
    import mmcv.ops
    import mmseg.models  # noqa: F401
    assert isinstance(sys.modules['mmcv._ext'], compat._MissingCompiledOps)
    with pytest.raises(NotImplementedError, match="'nms' needs the compiled mmcv"):
        mmcv.ops.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)


def test_placeholder_stands_aside_for_a_compiled_mmcv(monkeypatch):
    compiled = types.ModuleType('mmcv._ext')
    monkeypatch.setitem(sys.modules, 'mmcv._ext', compiled)
    assert compat.compiled_mmcv_available()
    assert compat.install_mmcv_ext_placeholder() is False
    assert sys.modules['mmcv._ext'] is compiled


def test_placeholder_installs_when_nothing_is_there(monkeypatch):
    monkeypatch.delitem(sys.modules, 'mmcv._ext')
    monkeypatch.setattr(compat.importlib.util, 'find_spec', lambda name: None)
    assert compat.install_mmcv_ext_placeholder() is True
    module = sys.modules['mmcv._ext']
    assert module.__spec__.name == 'mmcv._ext'
    assert callable(module.any_operator)


def test_local_checkpoints_with_mmengine_objects_load(tmp_path):
    from mmengine.logging import HistoryBuffer
    path = tmp_path / 'ckpt.pth'
    torch.save({'message_hub': HistoryBuffer([1.0, 2.0], [1, 1]),
                'state_dict': {'w': torch.ones(2)}}, path)
    loaded = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert isinstance(loaded['message_hub'], HistoryBuffer)
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))


def test_loader_left_alone_when_mmengine_already_passes_weights_only(monkeypatch):
    def fixed_loader(filename, map_location):
        return torch.load(filename, map_location=map_location, weights_only=False)

    monkeypatch.setitem(CheckpointLoader._schemes, '', fixed_loader)
    assert compat.allow_full_local_checkpoints() is False
    assert CheckpointLoader._schemes[''] is fixed_loader


def test_loader_left_alone_on_old_torch(monkeypatch):
    def old_loader(filename, map_location):
        return torch.load(filename, map_location=map_location)

    monkeypatch.setitem(CheckpointLoader._schemes, '', old_loader)
    monkeypatch.setattr(compat.torch, '__version__', '2.5.1')
    assert compat.allow_full_local_checkpoints() is False
    assert CheckpointLoader._schemes[''] is old_loader
