"""Fixtures of the stream tests: running a stream through every stage."""
import pytest


@pytest.fixture
def run_all_stages():
    """``run(stream, x)`` -> the four stage maps of ``stream`` on input ``x``."""
    def run(stream, x):
        maps = []
        for index in range(4):
            x = stream.forward_stage(index, x)
            maps.append(x)
        return maps
    return run
