"""Helpers shared by the command-line tools."""
from .cli import (USER_ERROR_STATUS, USER_ERRORS, Terminated, add_debug_flag,
                  add_runner_args, load_config, run_tool)

__all__ = ['USER_ERROR_STATUS', 'USER_ERRORS', 'Terminated', 'add_debug_flag',
           'add_runner_args', 'load_config', 'run_tool']
