"""Checkpoint files: a state dict as ``.npz``, written atomically and read without pickle.

Why these two precautions?
- Reading with ``allow_pickle=False``: a pickle can run arbitrary code when loaded, so a
  checkpoint downloaded from somewhere must never be unpickled. Plain arrays need no pickle.
- Writing to a temporary file in the same directory and then ``os.replace``-ing it onto the
  target: the rename is atomic, so a crash (or a full disk) mid-write leaves the previous
  checkpoint intact instead of a truncated one.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from pathlib import Path

import numpy as np


def write_npz(path: Path, state: dict[str, np.ndarray]) -> None:
    """Write ``state`` to ``path`` (exactly that name, no suffix added) as an uncompressed npz."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"save: directory {str(directory)!r} does not exist "
                                f"(cannot write {str(path)!r})")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
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
        # mkstemp makes the file private (0600); give it an ordinary file's permissions
        os.chmod(tmp_name, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint written by ``write_npz``; ``ValueError`` naming ``path`` for
    anything else (another format, a damaged file, arrays that would need pickle)."""
    if not path.exists():
        raise FileNotFoundError(f"load: no such file: {str(path)!r}")

    def not_a_checkpoint(reason: str) -> ValueError:
        return ValueError(f"load: {str(path)!r} is not a tinygrad_edu checkpoint (an .npz file "
                          f"written by Module.save): {reason}")

    with open(path, "rb") as f:
        magic = f.read(4)
    if magic not in (b"PK\x03\x04", b"PK\x05\x06"):  # every zip (.npz) file starts so
        kind = "a single .npy array" if magic == b"\x93NUM" else "not an .npz (zip) archive"
        raise not_a_checkpoint(f"the file is {kind}")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise not_a_checkpoint(str(e) or type(e).__name__) from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise not_a_checkpoint("it does not hold named arrays")
    try:
        with loaded:
            return {name: loaded[name] for name in loaded.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        # object arrays (pickle needed) or damaged members surface only when read
        raise not_a_checkpoint(str(e) or type(e).__name__) from None
