"""Checks that turn silent mistakes into clear errors, used by the backward pass.

Two kinds: *stale values* (an array that an op saved for backward was changed in place
before backward ran, so the gradient would be computed from the wrong numbers) and, inside
``tg.detect_anomaly()``, *non-finite values* (the first op whose forward or backward makes
NaN or inf).

Stale values are caught two ways. Always: every ``Tensor`` counts assignments to its
``.data`` (``w.data = ...``, ``w.data -= ...``) in ``_version``; ``apply`` records the
versions of an op's inputs and backward compares them (a few integer comparisons per op).
Inside ``detect_anomaly`` also writes *through* the array (``w.data[0] = 1``,
``np.add(w.data, 1, out=w.data)``), which no counter sees: each op keeps a CRC-32 checksum
of its arrays, compared at backward (too slow for every op, cheap for a debugging run).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor


def describe_nonfinite(a: np.ndarray) -> str | None:
    """``'nan'``, ``'inf'``, ``'-inf'`` for the first kind of non-finite value in ``a``, else None."""
    if np.isfinite(a).all():
        return None
    if np.isnan(a).any():
        return "nan"
    return "inf" if (a == np.inf).any() else "-inf"


def check_versions(fn: object, parents: tuple[Tensor, ...]) -> None:
    saved = getattr(fn, "_versions", None)
    if saved is None:
        return
    for i, (p, v) in enumerate(zip(parents, saved)):
        if p._version != v:
            name = f" '{p.name}'" if p.name else ""
            raise RuntimeError(
                f"backward of '{getattr(fn, 'name', '?')}': input {i}{name} (shape {p.shape}) "
                "had its .data changed in place after the forward pass, so the values saved "
                "for backward are stale. Update parameters only after backward (e.g. "
                "`w.data -= lr * w.grad`), or recompute the forward pass."
            )


def fingerprints(arrays: list[np.ndarray], out: np.ndarray) -> tuple[int, ...]:
    """CRC-32 checksums of an op's input arrays and output (detect_anomaly only: ~4 µs per
    8 kB, too slow for every op, cheap enough for a debugging run)."""
    return tuple(zlib.crc32(np.ascontiguousarray(a).data) for a in (*arrays, out))


def check_fingerprints(fn: object, node: Tensor) -> None:
    saved = fn.__dict__.get("_fingerprints")
    if saved is None:  # the forward ran outside detect_anomaly
        return
    tensors = (*node._parents, node)
    for i, (t, crc) in enumerate(zip(tensors, saved)):
        if zlib.crc32(np.ascontiguousarray(t._data).data) != crc:
            what = f"input {i}" if t is not node else "its output"
            name = f" '{t.name}'" if t.name else ""
            raise RuntimeError(
                f"backward of '{getattr(fn, 'name', '?')}': {what}{name} (shape {t.shape}) was "
                "changed in place after the forward pass, through the array itself (e.g. "
                "`t.data[0] = ...`, `a = t.data; a -= ...` or `np.add(t.data, 1, out=t.data)`), "
                "so the values saved for backward are stale. Change values only after backward, "
                "on a copy (`t.data = t.data * 0.5`), or recompute the forward pass."
            )


def check_backward_finite(op: str, i: int, g: np.ndarray) -> None:
    bad = describe_nonfinite(g)
    if bad is not None:
        raise FloatingPointError(
            f"detect_anomaly: backward of '{op}' produced {bad} in the gradient of input {i} "
            f"(shape {g.shape}); look at that op's inputs for values outside its domain"
        )
