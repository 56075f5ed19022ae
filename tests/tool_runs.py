"""Run a tool as a user would (a subprocess from the repository root) and read the one
``error:`` line it ends with on a known user error.

Importable from every test module (pytest puts ``tests/`` on ``sys.path`` for its root
``conftest.py``).
"""
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def tool_env():
    return dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='2')


def run_tool_process(*args):
    """``python <args>`` from the repository root; the finished process."""
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=tool_env(),
                          capture_output=True, text=True)


def user_error_line(result):
    """Check that ``result`` ended with exit status 2 and one ``error:`` line on stderr
    (the last line, no traceback) and return that line."""
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-4000:]
    assert 'Traceback' not in result.stderr, result.stderr[-4000:]
    lines = result.stderr.rstrip().splitlines()
    errors = [line for line in lines if line.startswith('error: ')]
    assert errors == lines[-1:], result.stderr[-4000:]
    return errors[0]
