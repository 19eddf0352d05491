"""Ops that move or copy elements without changing them: reshape, transpose, indexing, flip,
broadcast_to, tile, clone.

Their gradients move G back the opposite way: reshape it back, transpose or flip it back,
or scatter it into the positions the index read. An element used more than once (an index
that repeats, a broadcast or tiled copy) gets the sum of its copies' gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..broadcasting import broadcast_shape
from ..errors import ShapeError
from ..function import Function
from .reduce import Axis, normalize_axis


def resolve_shape(shape: tuple[int, ...], size: int, old: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with its single -1 filled in, or a ShapeError explaining why it cannot be."""
    if any(not isinstance(n, (int, np.integer)) or isinstance(n, bool) for n in shape):
        raise TypeError(f"reshape: sizes must be ints, got {shape!r}")
    unknown = [i for i, n in enumerate(shape) if n == -1]
    if len(unknown) > 1 or any(n < -1 for n in shape):
        raise ShapeError(f"reshape: {shape} is not a valid shape (only one -1 is allowed)")
    known = 1
    for n in shape:
        if n != -1:
            known *= n
    if unknown:
        if known == 0 or size % known:
            raise ShapeError(
                f"reshape: cannot reshape {old} ({size} elements) to {shape}: "
                f"{size} is not a multiple of {known}"
            )
        shape = tuple(size // known if n == -1 else int(n) for n in shape)
    elif known != size:
        raise ShapeError(
            f"reshape: cannot reshape {old} ({size} elements) to {shape} ({known} elements)"
        )
    return tuple(int(n) for n in shape)


class Reshape(Function):
    """out = a viewed with a new shape (same elements, same order);  dL/da = G reshaped back"""

    rule = "reshape G back to the input's shape"

    def forward(self, a: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        self.shape = a.shape
        return a.reshape(resolve_shape(shape, a.size, a.shape))

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g.reshape(self.shape),)


class Transpose(Function):
    """out = a with its axes permuted by ``axes`` (default: reversed);  dL/da = G permuted back"""

    rule = "transpose G back by the inverse permutation"

    def forward(self, a: np.ndarray, *, axes: tuple[int, ...] | None = None) -> np.ndarray:
        if axes is None:
            axes = tuple(reversed(range(a.ndim)))
        if sorted(ax % a.ndim if a.ndim else ax for ax in axes) != list(range(a.ndim)):
            raise ShapeError(
                f"transpose: axes {axes} are not a permutation of the {a.ndim} axes of a "
                f"tensor of shape {a.shape}"
            )
        self.inverse = tuple(np.argsort([ax % a.ndim for ax in axes]))
        out: np.ndarray = a.transpose(axes)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g.transpose(self.inverse),)


class Index(Function):
    """out = a[index];  dL/da = zeros with G added at the indexed positions (np.add.at)

    ``np.add.at`` (not ``z[index] += G``) so a position read twice gets both gradients.
    """

    name = "index"
    rule = "scatter-add G into the positions read"

    def forward(self, a: np.ndarray, *, index: Any) -> np.ndarray:
        try:
            out = a[index]
        except IndexError as e:
            raise IndexError(f"index: {e} (tensor shape {a.shape}, index {index!r})") from None
        self.index, self.shape, self.dtype = index, a.shape, a.dtype
        return np.array(out)  # a copy: a view would let writes to the output reach the input

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.zeros(self.shape, dtype=np.result_type(self.dtype, g.dtype))
        np.add.at(grad, self.index, g)
        return (grad,)


class Flip(Function):
    """out = a with the order of its elements reversed along ``axis`` (None: along every
    axis);  dL/da = G flipped back along the same axes"""

    rule = "flip G back along the same axes"

    def forward(self, a: np.ndarray, *, axis: Axis = None) -> np.ndarray:
        self.axes = normalize_axis("flip", axis, a.ndim)
        return np.flip(a, self.axes)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (np.flip(g, self.axes),)


def _sizes(op: str, what: str, sizes: Any) -> tuple[int, ...]:
    """An int or a sequence of ints >= 0 (a shape, or counts of copies) as a tuple."""
    given = (sizes,) if isinstance(sizes, (int, np.integer)) else sizes
    if not isinstance(given, (tuple, list)) or any(
            not isinstance(n, (int, np.integer)) or isinstance(n, bool) for n in given):
        raise TypeError(f"{op}: {what} must be an int or a tuple of ints, got {sizes!r}")
    if any(n < 0 for n in given):
        raise ValueError(f"{op}: {what} must not be negative, got {sizes!r}")
    return tuple(int(n) for n in given)


class BroadcastTo(Function):
    """out = a stretched to ``shape`` by numpy's broadcasting rule (a copy, not a view);
    dL/da = G summed over the stretched axes

    The vjp returns G itself, of the output's shape: summing it back to a's shape is what the
    engine does for every op's gradient (``broadcasting.unbroadcast``, the one place).
    """

    name = "broadcast_to"
    rule = "sum G over the stretched axes"

    def forward(self, a: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        target = _sizes("broadcast_to", "shape", shape)
        if broadcast_shape("broadcast_to", a.shape, target,
                           what=f"the tensor {a.shape} and the shape {target}") != target:
            raise ShapeError(f"broadcast_to: cannot stretch a tensor of shape {a.shape} to "
                             f"{target}; broadcasting only adds axes in front and stretches "
                             "axes of size 1 (use sum or mean to make it smaller)")
        return np.array(np.broadcast_to(a, target))  # numpy's own is a read-only view

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g,)


class Tile(Function):
    """out = copies of a side by side, reps[i] along axis i (np.tile; PyTorch's ``repeat``);
    dL/da = the sum of G over the copies

    With n the sizes of a and r the reps, output axis i has r_i·n_i elements, copy-major:
    G reshaped to (r₀, n₀, r₁, n₁, ...) and summed over the r axes is dL/da. Like np.tile,
    missing reps count as 1 and extra reps add leading axes to a.
    """

    rule = "sum G over the copies"

    def forward(self, a: np.ndarray, *, reps: Any) -> np.ndarray:
        counts = _sizes("tile", "reps", reps)
        d = max(a.ndim, len(counts))
        self.shape = a.shape
        self.split = [k for r, n in zip((1,) * (d - len(counts)) + counts,
                                        (1,) * (d - a.ndim) + a.shape, strict=True)
                      for k in (r, n)]
        return np.tile(a, counts)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        copies = tuple(range(0, len(self.split), 2))
        return (g.reshape(self.split).sum(axis=copies).reshape(self.shape),)


class Clone(Function):
    """out = a copy of a, in memory of its own;  dL/da = G (unlike ``detach``, it stays in
    the graph)"""

    rule = "d x/dx = 1"

    def forward(self, a: np.ndarray) -> np.ndarray:
        out: np.ndarray = a.copy()
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g,)
