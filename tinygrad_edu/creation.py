"""Making tensors: ``tg.tensor``, ``tg.zeros``, ``tg.ones``, ``tg.randn``.

>>> import tinygrad_edu as tg
>>> tg.zeros(2, 3).shape, tg.ones((2, 3)).shape
((2, 3), (2, 3))
>>> bool((tg.randn(4, rng=0).data == tg.randn(4, rng=0).data).all())  # same seed, same values
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arguments import RngLike, as_generator
from .tensor import Tensor


def tensor(data: Any, requires_grad: bool = False, *, dtype: Any = None,
           name: str | None = None) -> Tensor:
    """The same as ``Tensor(...)``."""
    return Tensor(data, requires_grad, dtype=dtype, name=name)


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(*shape: int, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return Tensor(np.zeros(_shape_arg(shape), dtype=dtype), requires_grad)


def ones(*shape: int, requires_grad: bool = False, dtype: Any = np.float64) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return Tensor(np.ones(_shape_arg(shape), dtype=dtype), requires_grad)


def randn(*shape: int, rng: RngLike = None, requires_grad: bool = False,
          dtype: Any = np.float64) -> Tensor:
    """Standard-normal values; ``rng`` an int seed >= 0 or a Generator (same seed, same
    values), or None."""
    gen = as_generator(rng, "randn")
    return Tensor(gen.standard_normal(_shape_arg(shape)).astype(dtype), requires_grad)
