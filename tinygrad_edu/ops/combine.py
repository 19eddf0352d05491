"""Ops that join several tensors into one: stack (along a new axis), concatenate (along an
existing one). Each input's gradient is the part of G that input filled.

Notation: ``G = dL/dout``, of the output's shape; k is the number of inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..function import Function
from .reduce import one_axis


def tensor_sequence(op: str, tensors: Any) -> tuple[Any, ...]:
    """What ``tg.stack`` / ``np.stack`` (and concatenate) were given, checked: a list or tuple
    holding at least one tensor (or array, or number)."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expects a list or tuple of tensors, e.g. {op}([a, b]), got "
                        f"{type(tensors).__name__} (to take a tensor apart row by row: list(t))")
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor, got an empty {type(tensors).__name__}")
    return tuple(tensors)


def _shapes(arrays: tuple[np.ndarray, ...]) -> str:
    return ", ".join(str(a.shape) for a in arrays)


class Stack(Function):
    """out = the k inputs, all of one shape s, side by side along a new axis ``axis``
    (shape s with k inserted there);  dL/d input_i = G[..., i, ...], G's i-th slice there"""

    rule = "input i gets slice i of G along the new axis"

    def forward(self, *arrays: np.ndarray, axis: int = 0) -> np.ndarray:
        if len({a.shape for a in arrays}) > 1:
            raise ShapeError(f"stack: all tensors must have the same shape, got "
                             f"{_shapes(arrays)}; to join along an existing axis use "
                             "concatenate")
        self.axis = one_axis("stack", axis, arrays[0].ndim + 1)
        return np.stack(arrays, axis=self.axis)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        slices = np.moveaxis(g, self.axis, 0)
        return tuple(slices[i] if need else None for i, need in enumerate(self.needs_input_grad))


class Concatenate(Function):
    """out = the k inputs end to end along ``axis`` (their other sizes equal; None: each
    flattened first);  dL/d input_i = the slice of G that input i filled, n_i long there"""

    rule = "input i gets its own slice of G back"

    def forward(self, *arrays: np.ndarray, axis: int | None = 0) -> np.ndarray:
        self.shapes = [a.shape for a in arrays]
        if axis is None:
            arrays, axis = tuple(a.reshape(-1) for a in arrays), 0
        if any(a.ndim == 0 for a in arrays):
            raise ShapeError(f"concatenate: cannot join 0-d tensors (shapes {_shapes(arrays)}) "
                             "along an axis they do not have; use stack")
        self.axis = one_axis("concatenate", axis, arrays[0].ndim)
        others = {a.shape[:self.axis] + a.shape[self.axis + 1:] for a in arrays}
        if len({a.ndim for a in arrays}) > 1 or len(others) > 1:
            raise ShapeError(f"concatenate: along axis {axis} the tensors must have the same "
                             f"number of axes and the same sizes on every other axis, got "
                             f"{_shapes(arrays)}")
        self.ends = np.cumsum([a.shape[self.axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=self.axis)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        parts = np.split(g, self.ends, axis=self.axis)
        return tuple(part.reshape(shape) if need else None
                     for part, shape, need in zip(parts, self.shapes, self.needs_input_grad,
                                                  strict=True))

