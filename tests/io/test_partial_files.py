"""Predictable temporary names, and removal of those left by runs that died."""
import os
import os.path as osp
import socket

from mmseg_edc.io import (partial_path, process_is_running, remove_stale_partials,
                          write_file_atomically)
from mmseg_edc.io.partial_files import partial_owner


def touch(path):
    with open(path, 'w') as f:
        f.write('partial')
    return path


def test_the_name_tells_output_host_and_process(tmp_path):
    out = str(tmp_path / 'classes.tif')
    host = socket.gethostname()
    assert partial_path(out, pid=123) == str(
        tmp_path / f'.classes.tif.{host}.123.partial')
    assert partial_path(out) == partial_path(out, pid=os.getpid())
    assert partial_owner(out, f'.classes.tif.{host}.123.partial') == 123
    assert partial_owner(out, f'.classes.tif.{host}.123.partial.aux.xml') == 123
    for other in (f'.classes.tif.{host}.x1.partial',          # not a process id
                  f'.classes.tif.other-{host}.123.partial',   # another host
                  f'.conf.tif.{host}.123.partial',            # another output
                  f'.classes.tif.{host}.123.tmp', 'classes.tif'):
        assert partial_owner(out, other) is None


def test_only_partials_of_dead_processes_on_this_host_are_removed(tmp_path, dead_pid):
    out = str(tmp_path / 'classes.tif')
    live_pid = os.getppid()                     # the process that started the tests
    assert process_is_running(live_pid) and not process_is_running(dead_pid)
    stale = touch(partial_path(out, pid=dead_pid))
    stale_sidecar = touch(stale + '.aux.xml')
    live = touch(partial_path(out, pid=live_pid))
    other_host = touch(str(tmp_path / f'.classes.tif.elsewhere.{dead_pid}.partial'))
    other_output = touch(partial_path(str(tmp_path / 'conf.tif'), pid=dead_pid))
    stale_folder = str(tmp_path / 'tiles')
    os.makedirs(osp.join(partial_path(stale_folder, pid=dead_pid), 'label'))

    assert remove_stale_partials(out) == sorted([stale, stale_sidecar])
    assert remove_stale_partials(stale_folder) == [partial_path(stale_folder, dead_pid)]
    assert sorted(os.listdir(tmp_path)) == sorted(
        osp.basename(p) for p in (live, other_host, other_output))
    assert remove_stale_partials(str(tmp_path / 'missing' / 'out.tif')) == []


def test_text_and_bytes_are_written_whole_into_a_new_folder(tmp_path):
    text_path, bytes_path = tmp_path / 'new' / 'report.json', tmp_path / 'new' / 'panel.png'
    write_file_atomically(str(text_path), '{"a": 1}\n')
    write_file_atomically(str(bytes_path), b'\x89PNG\x00')
    assert text_path.read_text() == '{"a": 1}\n'
    assert bytes_path.read_bytes() == b'\x89PNG\x00'
    # nothing temporary is left next to them
    assert sorted(os.listdir(tmp_path / 'new')) == ['panel.png', 'report.json']
