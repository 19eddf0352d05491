"""Reductions: sum, mean, max over all elements or chosen axes.

Backward of a reduction *spreads* G back over the axes it removed: every input element
that fed an output element receives that element's gradient (times 1/n for mean, and only
at the maximum for max).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..function import Function

Axis = int | tuple[int, ...] | None


def normalize_axis(op: str, axis: Axis, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple; negatives allowed) as a sorted tuple of axes >= 0."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if not isinstance(axes, (tuple, list)):
        raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
    out = []
    for ax in axes:
        if not isinstance(ax, (int, np.integer)) or isinstance(ax, bool):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= ax < ndim:
            raise ShapeError(
                f"{op}: axis {ax} is out of range for a tensor with {ndim} axes "
                f"(valid: {-ndim} to {ndim - 1})" if ndim else
                f"{op}: axis {ax} given, but the tensor is a scalar (it has no axes)"
            )
        out.append(int(ax) % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: axis {axis!r} names the same axis twice")
    return tuple(sorted(out))


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape with keepdims=True: reduced axes become 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """out = Σ_axes a;  dL/da = G broadcast back over the summed axes"""

    rule = "d(Σx)/dxᵢ = 1"

    def forward(self, a: np.ndarray, *, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        self.axes = normalize_axis("sum", axis, a.ndim)
        self.shape = a.shape
        return np.asarray(a.sum(axis=self.axes, keepdims=keepdims))

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        g = g.reshape(_kept_shape(self.shape, self.axes))
        return (np.broadcast_to(g, self.shape),)


class Mean(Function):
    """out = (1/n) Σ_axes a, n = number of elements averaged;  dL/da = G / n, spread back"""

    rule = "d(mean x)/dxᵢ = 1/n"

    def forward(self, a: np.ndarray, *, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        self.axes = normalize_axis("mean", axis, a.ndim)
        self.shape = a.shape
        n = 1
        for ax in self.axes:
            n *= a.shape[ax]
        if n == 0:
            raise ShapeError(f"mean: cannot average over zero elements (shape {a.shape})")
        self.n = n
        return np.asarray(a.sum(axis=self.axes, keepdims=keepdims) / n)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        g = g.reshape(_kept_shape(self.shape, self.axes)) / self.n
        return (np.broadcast_to(g, self.shape),)


class Max(Function):
    """out = max_axes a;  dL/da = G at the position of the maximum, 0 elsewhere

    Where several elements tie for the maximum, G is shared equally among them (the
    average of the one-sided derivatives), as ``np.amax``-style reductions in PyTorch do.
    A NaN is the maximum of its slice (the value is NaN) and takes that G, shared among the
    NaNs of the slice, as PyTorch's ``max()`` does.
    """

    rule = "d(max x)/dxᵢ = 1 where xᵢ is the max, else 0"

    def forward(self, a: np.ndarray, *, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        self.axes = normalize_axis("max", axis, a.ndim)
        if any(a.shape[ax] == 0 for ax in self.axes):
            raise ShapeError(f"max: cannot take the maximum of zero elements (shape {a.shape})")
        self.a = a
        self.kept = a.max(axis=self.axes, keepdims=True)
        out: np.ndarray = self.kept if keepdims else self.kept.reshape(
            tuple(n for i, n in enumerate(a.shape) if i not in self.axes))
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        hit = (self.a == self.kept) | np.isnan(self.a)  # NaN == NaN is False
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return (share * g.reshape(self.kept.shape),)
