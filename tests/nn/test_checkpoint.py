"""Checkpoint files at their edges: hostile or damaged files, odd paths, how saving writes."""

from __future__ import annotations

import gc
import io
import os
import stat
import subprocess
import sys
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import checkpoint

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file semantics")


def _npy_bytes(shape, descr="<f8", data=b"") -> bytes:
    """A .npy stream whose header claims ``shape`` followed by ``data`` (maybe too little)."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + data


def _zip(path: Path, members: dict[str, bytes], deflate: bool = False) -> None:
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)


def _never_read_data(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("array data was read before the headers were checked")

    monkeypatch.setattr(np.lib.format, "read_array", refuse)


# ----- headers first -----

def test_a_header_claiming_terabytes_is_refused_without_allocating(tmp_path, monkeypatch):
    path = tmp_path / "huge.npz"  # 7.28 TiB claimed, a few bytes present
    _zip(path, {"weight.npy": _npy_bytes((10**6, 10**6), data=b"\0" * 16),
                "bias.npy": _npy_bytes((2,), data=b"\0" * 16)})
    _never_read_data(monkeypatch)
    with pytest.raises(ValueError, match=r"huge.npz.*member 'weight.npy' holds 16 bytes of data "
                       r"but its header says shape \(1000000, 1000000\) of float64, "
                       r"8000000000000 bytes"):
        tg.nn.Linear(2, 2).load(path)


def test_a_compressed_member_is_checked_against_the_model_before_it_is_inflated(
        tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"  # 50 MB of zeros deflate to about 50 kB
    big = io.BytesIO()
    np.lib.format.write_array(big, np.zeros((5000, 1250)))
    _zip(path, {"weight.npy": big.getvalue(), "bias.npy": _npy_bytes((2,), data=b"\0" * 16)},
         deflate=True)
    assert path.stat().st_size < 200_000
    _never_read_data(monkeypatch)
    with pytest.raises(ValueError, match=r"bomb.npz.*'weight' has shape \(2, 2\) in the model "
                       r"but \(5000, 1250\)"):
        tg.nn.Linear(2, 2).load(path)


def test_a_member_larger_than_its_header_says_is_refused(tmp_path):
    path = tmp_path / "long.npz"
    _zip(path, {"weight.npy": _npy_bytes((2, 2), data=b"\0" * 1032),
                "bias.npy": _npy_bytes((2,), data=b"\0" * 16)})
    with pytest.raises(ValueError, match=r"long.npz.*member 'weight.npy' holds 1032 bytes of "
                       r"data but its header says shape \(2, 2\) of float64, 32 bytes"):
        tg.nn.Linear(2, 2).load(path)


@pytest.mark.parametrize("members, message", [
    ({"weight.npy": b"not an npy", "bias.npy": b""},
     r"member 'weight.npy' has no valid .npy header"),
    ({"weight.txt": b"hello"}, r"member 'weight.txt' is not a .npy array"),
    ({"w.npy": _npy_bytes((-2, -1), data=b"\0" * 16)}, "negative length"),
    ({"w.npy": _npy_bytes((1,), descr="<U3", data=b"\0" * 12)}, r"holds <U3 values, not numbers"),
])
def test_members_that_are_not_plain_arrays_are_refused(tmp_path, members, message):
    path = tmp_path / "odd.npz"
    _zip(path, members)
    with pytest.raises(ValueError, match=f"odd.npz.*{message}"):
        checkpoint.read_npz(path)


def test_memory_error_never_escapes(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    tg.nn.Linear(2, 2).save(path)

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(np.lib.format, "read_array", out_of_memory)
    with pytest.raises(ValueError, match=r"m.npz.*member 'weight.npy' needs more memory"):
        tg.nn.Linear(2, 2).load(path)


# ----- odd paths -----

def test_a_directory_is_refused_before_opening(tmp_path):
    (tmp_path / "ckpt").mkdir()
    with pytest.raises(ValueError, match=r"load: '.*ckpt' .* it is a directory, not a regular"):
        tg.nn.Linear(2, 2).load(tmp_path / "ckpt")


@posix_only
def test_a_fifo_is_refused_instead_of_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            tg.nn.Linear(2, 2).load(fifo)
        except BaseException as e:
            outcome.append(e)

    worker = threading.Thread(target=load, daemon=True)  # daemon: a hang cannot block exit
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "load() waited on the FIFO"
    assert isinstance(outcome[0], ValueError) and "a FIFO (named pipe)" in str(outcome[0])


def test_a_truncated_zip_closes_its_file(tmp_path):
    path = tmp_path / "cut.npz"
    tg.nn.Linear(2, 2).save(path)
    path.write_bytes(path.read_bytes()[:-30])  # the central directory is cut off
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match=r"cut\.npz"):
            tg.nn.Linear(2, 2).load(path)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_a_damaged_member_is_a_value_error(tmp_path):
    path = tmp_path / "crc.npz"
    tg.nn.Linear(2, 2).save(path)
    data = bytearray(path.read_bytes())
    start = data.index(np.lib.format.MAGIC_PREFIX, data.index(b"bias.npy"))
    npy = io.BytesIO(bytes(data[start:]))
    np.lib.format.read_magic(npy)
    np.lib.format.read_array_header_1_0(npy)
    first_value = start + npy.tell()
    data[first_value:first_value + 8] = b"\xff" * 8  # bias[0] changed, the zip's CRC not
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"crc.npz.*(CRC|Bad)"):
        tg.nn.Linear(2, 2).load(path)


# ----- saving -----

@posix_only
@pytest.mark.parametrize("umask, mode", [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_a_new_file_follows_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        tg.nn.Linear(2, 2).save(tmp_path / "m.npz")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m.npz").stat().st_mode) == mode


@posix_only
def test_overwriting_keeps_the_files_permissions(tmp_path):
    path = tmp_path / "m.npz"
    tg.nn.Linear(2, 2).save(path)
    os.chmod(path, 0o640)
    tg.nn.Linear(2, 2).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@posix_only
def test_save_removes_its_own_stale_temporaries_only(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(gone.stdout)  # a process that has ended: its temporaries are stale
    alive = os.getppid()
    stale = tmp_path / f".m.npz.{dead}.0123abcd.tmp"
    keep = [tmp_path / f".m.npz.{alive}.89abcdef.tmp",     # a save still running elsewhere
            tmp_path / f".other.npz.{dead}.0123abcd.tmp",  # another file's
            tmp_path / ".m.npz.k2j3.tmp",                   # not a name this module makes
            tmp_path / f".x.m.npz.{dead}.0123abcd.tmp"]     # a look-alike of another target
    for p in [stale, *keep]:
        p.write_bytes(b"half a checkpoint")
    tg.nn.Linear(2, 2).save(tmp_path / "m.npz")
    assert not stale.exists() and all(p.exists() for p in keep)


@posix_only
def test_the_directory_is_flushed_after_the_rename(tmp_path, monkeypatch):
    synced: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        return real_fsync(fd)

    def replace(src, dst):
        synced.append("rename")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    tg.nn.Linear(2, 2).save(tmp_path / "m.npz")
    assert synced == ["file", "rename", "dir"]


def test_saving_onto_a_directory_is_a_value_error(tmp_path):
    (tmp_path / "ckpt").mkdir()
    with pytest.raises(ValueError, match=r"save: '.*ckpt' is a directory; give a file name"):
        tg.nn.Linear(2, 2).save(tmp_path / "ckpt")
