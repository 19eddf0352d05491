"""Making tensors: ``tg.tensor``, ``tg.zeros``, ``tg.ones``, ``tg.full``, ``tg.zeros_like``,
``tg.ones_like``, ``tg.arange``, ``tg.linspace``, ``tg.eye``, ``tg.randn``; numpy's arguments,
plus ``requires_grad=`` and ``dtype=`` (float64 by default, or float32).

>>> import tinygrad_edu as tg
>>> tg.zeros(2, 3).shape, tg.ones((2, 3)).shape
((2, 3), (2, 3))
>>> bool((tg.randn(4, rng=0).data == tg.randn(4, rng=0).data).all())  # same seed, same values
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arguments import RngLike, as_generator, check_real, whole_number
from .tensor import Tensor


def tensor(data: Any, requires_grad: bool = False, *, dtype: Any = None,
           name: str | None = None) -> Tensor:
    """The same as ``Tensor(...)``."""
    return Tensor(data, requires_grad, dtype=dtype, name=name)


def _shape_arg(shape: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """``f(2, 3)`` or ``f((2, 3))``: the sizes, each a whole number >= 0."""
    sizes = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return tuple(whole_number(n, "each size of shape", op, minimum=0) for n in sizes)


def zeros(*shape: int, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return Tensor(np.zeros(_shape_arg(shape, "zeros")), requires_grad, dtype=dtype)


def ones(*shape: int, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return Tensor(np.ones(_shape_arg(shape, "ones")), requires_grad, dtype=dtype)


def randn(*shape: int, rng: RngLike = None, requires_grad: bool = False,
          dtype: Any = np.float64) -> Tensor:
    """Standard-normal values; ``rng`` an int seed >= 0 or a Generator (same seed, same
    values), or None."""
    gen = as_generator(rng, "randn")
    return Tensor(gen.standard_normal(_shape_arg(shape, "randn")), requires_grad, dtype=dtype)


def full(shape: Any, fill_value: float, *, requires_grad: bool = False,
         dtype: Any = np.float64) -> Tensor:
    """A tensor of ``shape`` (an int or a tuple) holding ``fill_value`` everywhere."""
    check_real(fill_value, "fill_value", "full")
    sizes = _shape_arg(tuple(shape) if isinstance(shape, (tuple, list)) else (shape,), "full")
    return Tensor(np.full(sizes, float(fill_value)), requires_grad, dtype=dtype)


def _like(t: Any, dtype: Any) -> tuple[tuple[int, ...], Any]:
    """The shape of ``t`` (a Tensor, array, list or number) and the dtype to use: ``dtype``
    if given, else t's own when it is float32 or float64, else float64."""
    if dtype is None:
        own = getattr(t, "dtype", None)
        dtype = own if own in (np.float32, np.float64) else np.float64
    return np.shape(t), dtype


def zeros_like(t: Any, *, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Zeros of t's shape (and dtype, if t's is float32 or float64); no link to t's graph."""
    shape, dtype = _like(t, dtype)
    return Tensor(np.zeros(shape), requires_grad, dtype=dtype)


def ones_like(t: Any, *, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Ones of t's shape (and dtype, if t's is float32 or float64); no link to t's graph."""
    shape, dtype = _like(t, dtype)
    return Tensor(np.ones(shape), requires_grad, dtype=dtype)


def _finite(value: Any, name: str, op: str) -> None:
    """A real, finite number: numpy would answer inf with "Maximum allowed size exceeded"
    (arange) or with NaN values and a RuntimeWarning (linspace)."""
    check_real(value, name, op)
    if not np.isfinite(value):
        raise ValueError(f"{op}: {name} must be finite, got {value}")


def arange(start: float, stop: float | None = None, step: float = 1, *,
           requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """Evenly spaced values in [start, stop), ``step`` apart, as ``np.arange``:
    ``arange(3)`` is [0., 1., 2.]. (For a given number of points, ``linspace`` is exact.)"""
    for name, value in (("start", start), ("stop", stop), ("step", step)):
        if value is not None:
            _finite(value, name, "arange")
    if step == 0:
        raise ValueError("arange: step must not be 0")
    values = np.arange(start, step=step) if stop is None else np.arange(start, stop, step)
    return Tensor(values, requires_grad, dtype=dtype)


def linspace(start: float, stop: float, num: int = 50, *, endpoint: bool = True,
             requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """``num`` evenly spaced values from start to stop (included unless ``endpoint=False``),
    as ``np.linspace``."""
    _finite(start, "start", "linspace")
    _finite(stop, "stop", "linspace")
    num = whole_number(num, "num", "linspace", minimum=0)
    return Tensor(np.linspace(start, stop, num, endpoint=endpoint), requires_grad, dtype=dtype)


def eye(n: int, m: int | None = None, *, k: int = 0, requires_grad: bool = False,
        dtype: Any = np.float64) -> Tensor:
    """The n x m identity matrix (m defaults to n); ``k`` shifts the diagonal, as ``np.eye``."""
    n = whole_number(n, "n", "eye", minimum=0)
    m = n if m is None else whole_number(m, "m", "eye", minimum=0)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"eye: k (the diagonal) must be an int, got {k!r}")
    return Tensor(np.eye(n, m, k), requires_grad, dtype=dtype)
