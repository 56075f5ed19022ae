"""tools/train.py's --resume and --resume-or-start, read into a config (no training)."""
import pytest
import torch


@pytest.fixture
def config(reference_config, tool_runs):
    """``config(*args)``: the config tools/train.py builds from the reference config and
    ``args``."""
    train_tool = tool_runs.load('tools/train.py')
    return lambda *args: train_tool.build_config(
        train_tool.parse_args([reference_config, *args]))


def checkpoint(path, seed):
    torch.save(dict(meta=dict(seed=seed, iter=2)), str(path))
    return str(path)


def test_resume_with_nothing_to_resume_is_an_error(config, tmp_path):
    with pytest.raises(FileNotFoundError, match=f'--resume: nothing to resume from in '
                       rf'{tmp_path} \(no last_checkpoint file\).*--resume-or-start'):
        config('--work-dir', str(tmp_path), '--resume')
    with pytest.raises(FileNotFoundError, match=r'--resume .*missing\.pth, which is not a file'):
        config('--work-dir', str(tmp_path), '--resume', str(tmp_path / 'missing.pth'))
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_8.pth'))
    with pytest.raises(FileNotFoundError, match=r'last_checkpoint names .*iter_8\.pth, which is '
                       'not a file'):
        config('--work-dir', str(tmp_path), '--resume')


def test_resume_or_start_starts_fresh_or_resumes(config, tmp_path):
    cfg = config('--work-dir', str(tmp_path), '--resume-or-start')
    assert not cfg.resume and cfg.load_from is None
    latest = checkpoint(tmp_path / 'iter_2.pth', seed=0)
    (tmp_path / 'last_checkpoint').write_text(latest)
    for flag in ('--resume-or-start', '--resume'):
        cfg = config('--work-dir', str(tmp_path), flag)
        assert cfg.resume and cfg.load_from == latest
    with pytest.raises(SystemExit):         # argparse: not allowed together
        config('--resume', latest, '--resume-or-start')


def test_resume_trains_with_the_checkpoints_seed(config, tmp_path):
    # the config has seed 0; the checkpoint's run had 1234 (or no seed in its config)
    path = checkpoint(tmp_path / 'iter_2.pth', seed=1234)
    assert config('--work-dir', str(tmp_path), '--resume', path).randomness.seed == 1234
    cfg = config('--work-dir', str(tmp_path), '--resume', path,
                 '--cfg-options', 'randomness.seed=None')
    assert cfg.randomness.seed == 1234
    assert config('--work-dir', str(tmp_path)).randomness.seed == 0
