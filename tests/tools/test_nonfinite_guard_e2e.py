"""Through tools/train.py: a NaN loss stops training with an error and no checkpoint.

A subprocess on the tiny generated benchmark, as a user runs the tool.
"""
import glob
import os.path as osp


def test_nan_loss_stops_training_without_checkpoints(tool_runs, reference_config,
                                                     cfg_options, tiny_benchmark,
                                                     tmp_path):
    # the reference is a stock mmseg EncoderDecoder; a zero std divides the first band
    # by 0: inf/NaN inputs, NaN loss at iteration 1
    work_dir = str(tmp_path / 'work')
    result = tool_runs.process(
        'tools/train.py', reference_config, '--work-dir', work_dir,
        *cfg_options(tiny_benchmark, 4), 'default_hooks.checkpoint.interval=1',
        'model.data_preprocessor.mean=[0,0,0,0,0,0]',
        'model.data_preprocessor.std=[0,1,1,1,1,1]')
    assert result.returncode != 0
    assert ('non-finite training at iteration 1: loss=nan, decode.loss_ce=nan'
            in result.stderr)
    assert '; lr 0.002; the optimizer step was not taken' in result.stderr
    assert glob.glob(osp.join(work_dir, '**', '*.pth'), recursive=True) == []
