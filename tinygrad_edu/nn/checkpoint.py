"""Checkpoint files: a state dict as ``.npz``, written atomically, read safely.

Writing: to a temporary file next to the target, flushed to disk, then ``os.replace``-d onto
the target (the rename is atomic, so a crash or a full disk mid-write leaves the previous
checkpoint intact), then the directory is flushed too, so the new name survives a power cut.
The file gets the permissions an ordinary new file gets (those of the umask), or keeps the
old file's. Temporaries left by a save that was killed are removed by the next save to the
same path (only those: their names carry the process id of the save that made them).

Reading: without pickle (a pickle can run any code when loaded, and a checkpoint may come
from anywhere), and in two passes: first every member's header (name, dtype, shape) is read
and checked, against its size in the zip and against the model, and only then the data. A
damaged or hostile file is refused before it can allocate more memory than the model holds.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import stat
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

import numpy as np

Headers = dict[str, tuple[tuple[int, ...], np.dtype]]  # member name -> (shape, dtype)
_TEMPORARY = re.compile(r"\.(?P<target>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp")


def write_npz(path: Path, state: Mapping[str, np.ndarray]) -> None:
    """Write ``state`` to ``path`` (exactly that name, no suffix added) as an uncompressed npz."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"save: directory {str(directory)!r} does not exist "
                                f"(cannot write {str(path)!r})")
    if path.is_dir():
        raise ValueError(f"save: {str(path)!r} is a directory; give a file name, such as "
                         f"{str(path / 'model.npz')!r}")
    _remove_stale_temporaries(directory, path.name)
    tmp = directory / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    # O_EXCL: never write into a file someone else made; mode 0o666 minus the umask, as any
    # ordinary new file (mkstemp would make it private, 0o600)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            # What np.savez does, written out: one "<name>.npy" member per array in a zip.
            # (np.savez(f, **state) would break on a tensor named e.g. "allow_pickle".)
            with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
                for name, array in state.items():
                    with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the rename makes them visible
        if path.exists():  # overwriting: keep the permissions the file had
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_directory(directory)


def _remove_stale_temporaries(directory: Path, target: str) -> None:
    """Delete the temporaries of earlier saves to ``target`` whose process is gone."""
    if os.name != "posix":  # os.kill(pid, 0) only asks "alive?" on POSIX
        return
    for entry in os.listdir(directory):
        match = _TEMPORARY.fullmatch(entry)
        if match is None or match["target"] != target or int(match["pid"]) == os.getpid():
            continue
        try:
            os.kill(int(match["pid"]), 0)
        except ProcessLookupError:  # that save was killed: its file can never be finished
            (directory / entry).unlink(missing_ok=True)
        except (PermissionError, OverflowError):
            pass  # alive under another user (or not a pid at all): leave it alone


def _sync_directory(directory: Path) -> None:
    if os.name != "posix":  # other systems cannot open a directory to flush it
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_npz(path: Path, check: Callable[[Headers], None] | None = None
             ) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint written by ``write_npz``.

    ``check(headers)`` is called with every member's ``name -> (shape, dtype)`` before any
    data is read; it raises to refuse the file (``Module.load`` compares with the model).
    Anything that is not a checkpoint (not a regular file, another format, a damaged file,
    arrays that need pickle, a member whose size does not match its header) is a
    ``ValueError`` naming ``path`` and the member; a missing file a ``FileNotFoundError``.
    """

    def refuse(reason: str) -> ValueError:
        return ValueError(f"load: {str(path)!r} is not a tinygrad_edu checkpoint (an .npz file "
                          f"written by Module.save): {reason}")

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no such file: {str(path)!r}") from None
    if not stat.S_ISREG(mode):  # a directory, a FIFO (open would wait forever), a device
        raise refuse(f"it is {_kind(mode)}, not a regular file")
    # O_NONBLOCK: should the path turn into a FIFO after the check above, open returns at
    # once instead of waiting for a writer; the check is then repeated on the open file
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise refuse(f"it is {_kind(mode)}, not a regular file")
        magic = f.read(4)
        if magic not in (b"PK\x03\x04", b"PK\x05\x06"):  # every zip (.npz) file starts so
            kind = "a single .npy array" if magic == b"\x93NUM" else "not an .npz (zip) archive"
            raise refuse(f"the file is {kind}")
        f.seek(0)
        damaged = (OSError, EOFError, zipfile.BadZipFile, NotImplementedError, RuntimeError)
        try:
            archive = zipfile.ZipFile(f)
        except (*damaged, ValueError) as e:
            raise refuse(f"{type(e).__name__}: {e}") from None
        with archive:
            try:
                headers, infos = _read_headers(archive, refuse)
            except damaged as e:  # bad CRC, truncated data, encrypted or unknown compression
                raise refuse(f"{type(e).__name__}: {e}") from None
            if check is not None:
                check(headers)  # before any data is read
            state = {}
            for name, info in infos.items():
                try:
                    with archive.open(info) as member:
                        state[name] = np.lib.format.read_array(member, allow_pickle=False)
                except (*damaged, ValueError) as e:
                    raise refuse(f"member {info.filename!r}: {type(e).__name__}: {e}") from None
                except MemoryError:
                    raise refuse(f"member {info.filename!r} needs more memory than is "
                                 "free") from None
            return state


def _read_headers(archive: zipfile.ZipFile, refuse: Callable[[str], ValueError]
                  ) -> tuple[Headers, dict[str, zipfile.ZipInfo]]:
    """Each member's (shape, dtype) from its .npy header; its size must be what they say."""
    headers: Headers = {}
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        member = info.filename
        name = member.removesuffix(".npy")
        if name == member or name in headers:
            why = "is not a .npy array" if name == member else "appears twice"
            raise refuse(f"member {member!r} {why}")
        with archive.open(info) as f:
            try:
                shape, dtype, offset = _npy_header(f)
            except ValueError as e:
                raise refuse(f"member {member!r} has no valid .npy header ({e})") from None
        if any(d < 0 for d in shape):
            raise refuse(f"member {member!r} has a negative length in its shape {shape}")
        if dtype.hasobject or dtype.kind not in "biuf":
            what = "objects, which only pickle can read (allow_pickle=False refuses them)" \
                if dtype.hasobject else f"{dtype} values, not numbers"
            raise refuse(f"member {member!r} holds {what}")
        expected = math.prod(shape) * dtype.itemsize
        if info.file_size - offset != expected:
            raise refuse(f"member {member!r} holds {info.file_size - offset} bytes of data but "
                         f"its header says shape {shape} of {dtype}, {expected} bytes")
        headers[name], infos[name] = (shape, dtype), info
    return headers, infos


def _npy_header(f: IO[bytes]) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, bytes before the data) from the start of a .npy stream."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    else:  # 3.0 only differs for structured dtypes with non-latin-1 field names
        raise ValueError(f".npy format version {version} is not supported")
    return tuple(shape), dtype, f.tell()


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "not a regular file"
