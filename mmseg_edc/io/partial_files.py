"""Temporary names for outputs being written, and removal of those a dead run left.

An output ``<folder>/<name>`` is written as ``<folder>/.<name>.<host>.<pid>.partial``
(a file, or a folder for a whole tree) and renamed onto its final path when complete.
The name is predictable, so a later run writing the same output finds what an earlier
run left when it was killed (``kill -9``, a crash, a power cut) and removes it: only
partial files of this output, written on this host, by a process that no longer runs
(a live run's files, or another host's on a shared disk, are never touched).

Created with the usual modes (files ``0o666``, folders ``0o777``, less the umask), so
outputs get the user's normal permissions once renamed.
"""
import os
import os.path as osp
import shutil
import socket

from mmengine.logging import print_log

PARTIAL_SUFFIX = '.partial'
#: Sidecar GDAL may write next to a raster (``<raster>.aux.xml``).
SIDECAR_SUFFIX = '.aux.xml'


def partial_path(path, pid=None):
    """The temporary name under which this process writes ``path``.

    Args:
        path (str): the final path.
        pid (int, optional): the writing process; default this one.

    Returns:
        str: ``<folder>/.<name>.<host>.<pid>.partial`` (absolute).
    """
    folder, name = osp.split(osp.abspath(path))
    pid = os.getpid() if pid is None else pid
    return osp.join(folder, f'.{name}.{socket.gethostname()}.{pid}{PARTIAL_SUFFIX}')


def write_atomically(path, write):
    """Call ``write(temporary_path)``, then rename the temporary file onto ``path``.

    The temporary file is :func:`partial_path` of ``path``; it is removed when
    ``write`` fails, so ``path`` holds either the complete new file or what it held
    before. The folder of ``path`` is created when missing.

    Args:
        path (str): the final path.
        write (Callable[[str], None]): writes the whole file to the given path.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    temporary = partial_path(path)
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if osp.exists(temporary):
            os.remove(temporary)


def write_file_atomically(path, content):
    """Write ``content`` (``str``: text, ``bytes``: binary) to ``path`` through
    :func:`write_atomically`."""
    mode = 'wb' if isinstance(content, bytes) else 'w'

    def write(temporary):
        with open(temporary, mode) as f:
            f.write(content)
    write_atomically(path, write)


def process_is_running(pid):
    """Whether process ``pid`` exists on this host (a zombie counts as running)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # another user's process
        return True
    return True


def partial_owner(path, candidate):
    """The process id in ``candidate``'s name if it is a partial file of ``path`` (or
    the GDAL sidecar of one) written on this host, else None.

    Args:
        path (str): the final path.
        candidate (str): a file or folder name in the folder of ``path``.
    """
    if candidate.endswith(SIDECAR_SUFFIX):
        candidate = candidate[:-len(SIDECAR_SUFFIX)]
    prefix = f'.{osp.basename(osp.abspath(path))}.{socket.gethostname()}.'
    if not (candidate.startswith(prefix) and candidate.endswith(PARTIAL_SUFFIX)):
        return None
    pid = candidate[len(prefix):-len(PARTIAL_SUFFIX)]
    return int(pid) if pid.isdigit() else None


def remove_stale_partials(path):
    """Remove the partial files (or folders) of ``path`` whose writer has died.

    Each removal is logged. A missing folder holds nothing to remove.

    Args:
        path (str): the final path about to be written.

    Returns:
        list[str]: the paths removed.
    """
    folder = osp.dirname(osp.abspath(path))
    if not osp.isdir(folder):
        return []
    removed = []
    for candidate in sorted(os.listdir(folder)):
        pid = partial_owner(path, candidate)
        if pid is None or process_is_running(pid):
            continue
        stale = osp.join(folder, candidate)
        try:
            if osp.isdir(stale) and not osp.islink(stale):
                shutil.rmtree(stale)
            else:
                os.remove(stale)
        except FileNotFoundError:   # another run removed it first
            continue
        removed.append(stale)
        print_log(f'removed {stale}, left by process {pid} (no longer running) while '
                  f'writing {path}', logger='current')
    return removed
