"""Hypothesis strategies for property-based gradient checks, built on hypothesis.extra.numpy.

>>> from hypothesis import given
>>> from tinygrad_edu.testing import tensors
>>> from tinygrad_edu.gradcheck import gradcheck
>>> @given(tensors(shape=(3, 4)))
... def test_tanh(x):
...     assert gradcheck(lambda x: x.tanh(), x)
>>> test_tanh()
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor

__all__ = ["broadcastable_tensors", "elements", "matmul_tensors", "shapes", "tensors"]


def elements(min_value: float = -3.0, max_value: float = 3.0, *,
             avoid: tuple[float, ...] = (), margin: float = 1e-3) -> st.SearchStrategy[float]:
    """Finite floats in [min_value, max_value], at least ``margin`` away from each point of
    ``avoid`` (e.g. ``avoid=(0,)`` for relu, abs, step and sign, whose derivative jumps there).
    """
    base = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=64)
    if not avoid:
        return base
    # Map instead of filter: shift values that are too close, so no draw is ever rejected.
    def push(x: float) -> float:
        for p in avoid:
            if abs(x - p) < margin:
                x = p + margin if x >= p else p - margin
        return x

    return base.map(push)


def shapes(*, min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, small enough for a full central-difference Jacobian."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def tensors(shape: Any = None, *, dtype: Any = np.float64,
            elements: st.SearchStrategy[float] | None = None,
            requires_grad: bool = True) -> st.SearchStrategy[Tensor]:
    """Tensors of ``shape`` (a tuple, a strategy of tuples, or None for any small shape)."""
    shape = shapes() if shape is None else shape
    elems = globals()["elements"]() if elements is None else elements
    return hnp.arrays(dtype, shape, elements=elems).map(
        lambda a: Tensor(a, requires_grad=requires_grad))


def broadcastable_tensors(n: int = 2, *, elements: st.SearchStrategy[float] | None = None,
                          requires_grad: bool = True) -> st.SearchStrategy[tuple[Tensor, ...]]:
    """``n`` tensors whose shapes broadcast together (drawn by mutually_broadcastable_shapes)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=n, max_dims=3, max_side=3).flatmap(
        lambda bs: st.tuples(*[tensors(s, elements=elements, requires_grad=requires_grad)
                               for s in bs.input_shapes]))


def matmul_tensors(*, elements: st.SearchStrategy[float] | None = None,
                   requires_grad: bool = True) -> st.SearchStrategy[tuple[Tensor, Tensor]]:
    """A pair ``(a, b)`` with ``a @ b`` defined: 1-D·1-D, 2-D@1-D, 1-D@2-D, 2-D@2-D and
    batched N-D with broadcast batch axes (from the gufunc signature of matmul)."""
    sig = "(n?,k),(k,m?)->(n?,m?)"
    return hnp.mutually_broadcastable_shapes(signature=sig, max_dims=2, max_side=3).flatmap(
        lambda bs: st.tuples(*[tensors(s, elements=elements, requires_grad=requires_grad)
                               for s in bs.input_shapes]))
