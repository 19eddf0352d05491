"""Reductions: sum, mean, max, min, prod and var over all elements or chosen axes.

Backward of a reduction *spreads* G back over the axes it removed: every input element
that fed an output element receives that element's gradient (times 1/n for mean, only at
the extreme for max and min, times the product of the others for prod).
"""

from __future__ import annotations

import numpy as np

from ..arguments import whole_number
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


def one_axis(op: str, axis: object, ndim: int) -> int:
    """``axis`` as one axis >= 0 (an int, maybe negative), for ops that take exactly one."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    return normalize_axis(op, int(axis), ndim)[0]


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


def ties_share(a: np.ndarray, extreme: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """The share of G that each element of ``a`` gets from the extreme (``extreme``, of shape
    ``a`` with ``axes`` kept as 1) of its slice: 1 at the one element that is the extreme, 0
    elsewhere; where k elements tie, 1/k each (the average of the one-sided derivatives, as
    PyTorch's ``max()``/``min()``). A NaN is the extreme of its slice (its value is NaN) and
    takes G, shared among the NaNs of the slice, as in PyTorch.

    The one tie rule of max, min (reductions) and maximum, minimum (elementwise, select.py).
    """
    hit = (a == extreme) | np.isnan(a)  # NaN == NaN is False
    share: np.ndarray = hit / hit.sum(axis=axes, keepdims=True)
    return share


def _extreme(op: str, pick: np.ufunc, a: np.ndarray,
             axis: Axis) -> tuple[tuple[int, ...], np.ndarray]:
    """The axes and the extremes (axes kept as 1) of max and min: ``pick`` (np.maximum or
    np.minimum) reduced over ``axis``, which must not be empty."""
    axes = normalize_axis(op, axis, a.ndim)
    if any(a.shape[ax] == 0 for ax in axes):
        word = "maximum" if op == "max" else "minimum"
        raise ShapeError(f"{op}: cannot take the {word} of zero elements (shape {a.shape})")
    return axes, pick.reduce(a, axis=axes, keepdims=True)


def _squeezed(kept: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """A reduction's result with the reduced axes (kept as 1) dropped unless ``keepdims``."""
    return kept if keepdims else kept.reshape(
        tuple(n for i, n in enumerate(kept.shape) if i not in axes))


class Max(Function):
    """out = max_axes a;  dL/da = G at the position of the maximum, 0 elsewhere

    Where several elements tie for the maximum, G is shared equally among them; a NaN is the
    maximum of its slice and takes G (see ``ties_share``).
    """

    rule = "d(max x)/dxᵢ = 1 where xᵢ is the max, else 0"
    ufunc: np.ufunc = np.maximum  # Min: np.minimum, with the same forward and vjp

    def forward(self, a: np.ndarray, *, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        self.a = a
        self.axes, self.kept = _extreme(self.name, self.ufunc, a, axis)
        return _squeezed(self.kept, self.axes, keepdims)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (ties_share(self.a, self.kept, self.axes) * g.reshape(self.kept.shape),)


class Min(Max):
    """out = min_axes a;  dL/da = G at the position of the minimum, 0 elsewhere

    The same tie rule as ``Max`` (its forward and vjp, with np.minimum): tied minima share G
    equally; a NaN takes it.
    """

    rule = "d(min x)/dxᵢ = 1 where xᵢ is the min, else 0"
    ufunc = np.minimum


class Prod(Function):
    """out = Π_axes a;  dL/daᵢ = G · Π_{j≠i} aⱼ, the product of the others in aᵢ's slice

    Π_{j≠i} aⱼ equals out / aᵢ only where aᵢ ≠ 0. Written as (the product of the elements
    before i) · (the product of those after i), it needs no division and holds with zeros
    too: in a slice with one zero only that element gets a gradient; with two, none does.
    """

    rule = "d(Πx)/dxᵢ = Π_{j≠i} xⱼ"

    def forward(self, a: np.ndarray, *, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        self.axes = normalize_axis("prod", axis, a.ndim)
        self.a = a
        return np.asarray(a.prod(axis=self.axes, keepdims=keepdims))

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        g = g.reshape(_kept_shape(self.a.shape, self.axes))
        return (_product_of_others(self.a, self.axes) * g,)


def _product_of_others(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """For each element of ``a``, the product of the other elements of its slice along
    ``axes``, from running products from the left and from the right (no division)."""
    rest = [i for i in range(a.ndim) if i not in axes]
    order = rest + list(axes)
    moved = a.transpose(order)  # the reduced axes last, then flattened into one of n
    n = int(np.prod([a.shape[ax] for ax in axes]))
    if n == 0 or a.size == 0:
        return np.zeros_like(a)
    flat = moved.reshape(*moved.shape[:len(rest)], n)
    ones = np.ones((*flat.shape[:-1], 1), dtype=a.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others: np.ndarray = (before * after).reshape(moved.shape).transpose(np.argsort(order))
    return others


class Var(Function):
    """out = Σ_axes (a - ā)² / (n - ddof), ā the mean of each slice of n elements;
    dL/da = G · 2 (a - ā) / (n - ddof)

    (ā depends on a too, but that term is G · Σ 2(a - ā) · (-1/n) / (n - ddof) = 0.)
    ``ddof=0``: the population variance (numpy's default); ``ddof=1``: the sample variance
    (PyTorch's default). Two passes (mean first), so large offsets do not cancel.
    """

    rule = "d var/dxᵢ = 2(xᵢ − x̄)/(n − ddof)"

    def forward(self, a: np.ndarray, *, axis: Axis = None, keepdims: bool = False,
                ddof: int = 0) -> np.ndarray:
        ddof = whole_number(ddof, "ddof", "var", minimum=0)
        self.axes = normalize_axis("var", axis, a.ndim)
        n = int(np.prod([a.shape[ax] for ax in self.axes]))
        if n - ddof <= 0:
            raise ShapeError(
                f"var: ddof={ddof} needs more than {ddof} values per slice, but a tensor of "
                f"shape {a.shape} has {n} {'in all' if axis is None else f'along axis {axis}'}; "
                "use a smaller ddof or more values")
        self.centered = a - a.mean(axis=self.axes, keepdims=True)
        self.divisor = n - ddof
        total = (self.centered * self.centered).sum(axis=self.axes, keepdims=keepdims)
        return np.asarray(total / self.divisor)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        g = g.reshape(_kept_shape(self.centered.shape, self.axes))
        return (g * (2.0 / self.divisor) * self.centered,)
