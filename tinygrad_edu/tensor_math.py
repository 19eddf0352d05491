"""The math methods of ``Tensor``, one line each: every one hands its work to an op class.

Kept apart from ``tensor.py`` so that file stays about what a tensor *is*; the gradient rules
themselves are in ``ops/``, next to their forwards. ``self._apply(Op, other)`` runs ``Op`` on
``(self, other)`` and ``self._rapply(Op, other)`` on ``(other, self)`` (see ``tensor.apply``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .function import Function
from .ops import activations as act
from .ops import elementwise as ew
from .ops import linalg, reduce
from .ops import shape as shape_ops
from .ops.reduce import Axis

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


class TensorMath:
    """Operators and methods; each returns a new Tensor that records its op."""

    __slots__ = ()
    _data: np.ndarray
    _is_mask: bool

    def _apply(self, op: type[Function], *others: Any, **params: Any) -> Self:
        raise NotImplementedError  # provided by Tensor

    def _rapply(self, op: type[Function], other: Any) -> Self:
        raise NotImplementedError  # provided by Tensor

    def _same_kind(self, moved: Self) -> Self:
        raise NotImplementedError  # provided by Tensor

    # arithmetic (numpy broadcasting; gradients summed back to each operand's shape)
    def __add__(self, other: Any) -> Self: return self._apply(ew.Add, other)
    def __radd__(self, other: Any) -> Self: return self._rapply(ew.Add, other)
    def __sub__(self, other: Any) -> Self: return self._apply(ew.Sub, other)
    def __rsub__(self, other: Any) -> Self: return self._rapply(ew.Sub, other)
    def __mul__(self, other: Any) -> Self: return self._apply(ew.Mul, other)
    def __rmul__(self, other: Any) -> Self: return self._rapply(ew.Mul, other)
    def __truediv__(self, other: Any) -> Self: return self._apply(ew.Div, other)
    def __rtruediv__(self, other: Any) -> Self: return self._rapply(ew.Div, other)
    def __pow__(self, other: Any) -> Self: return self._apply(ew.Pow, other)
    def __rpow__(self, other: Any) -> Self: return self._rapply(ew.Pow, other)
    def __neg__(self) -> Self: return self._apply(ew.Neg)
    def __abs__(self) -> Self: return self._apply(ew.Abs)

    # linear algebra
    def __matmul__(self, other: Any) -> Self: return self._apply(linalg.MatMul, other)
    def __rmatmul__(self, other: Any) -> Self: return self._rapply(linalg.MatMul, other)

    def matmul(self, other: Any) -> Self:
        """``self @ other`` with np.matmul's rules (1-D, 2-D and batched N-D)."""
        return self._apply(linalg.MatMul, other)

    def dot(self, other: Any) -> Self:
        """The dot / matrix product of 1-D or 2-D tensors: ``w.dot(x)`` is w·x."""
        return self._apply(linalg.Dot, other)

    # reductions
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Self:
        """Sum over ``axis`` (None: all elements; int, tuple or negative)."""
        return self._apply(reduce.Sum, axis=axis, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Self:
        """Mean over ``axis`` (None: all elements; int, tuple or negative)."""
        return self._apply(reduce.Mean, axis=axis, keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Self:
        """Maximum over ``axis``; ties share the gradient equally."""
        return self._apply(reduce.Max, axis=axis, keepdims=keepdims)

    # elementwise math
    def exp(self) -> Self: return self._apply(ew.Exp)
    def log(self) -> Self: return self._apply(ew.Log)
    def sqrt(self) -> Self: return self._apply(ew.Sqrt)
    def abs(self) -> Self: return self._apply(ew.Abs)

    # shape
    def reshape(self, *shape: Any) -> Self:
        """``t.reshape(2, 3)``, ``t.reshape((2, 3))``; one size may be -1."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return self._same_kind(self._apply(shape_ops.Reshape, shape=shape))

    def transpose(self, *axes: Any) -> Self:
        """Permute the axes as numpy does (default: reverse them); ``t.transpose(1, 0)`` or a
        tuple. (To swap two axes the way PyTorch's ``transpose(a, b)`` does: ``swapaxes``.)"""
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = () if axes[0] is None else tuple(axes[0])
        return self._same_kind(self._apply(shape_ops.Transpose, axes=axes or None))

    @property
    def T(self) -> Self:
        """The transpose (all axes reversed)."""
        return self._same_kind(self._apply(shape_ops.Transpose, axes=None))

    def __getitem__(self, index: Any) -> Self:
        """``t[1]``, ``t[:, 0]``, ``t[[0, 0, 2]]``, ``t[mask]`` (numpy's rules, numpy's result)."""
        return self._same_kind(self._apply(shape_ops.Index, index=_plain_index(index)))

    # activations (see ops/activations.py for the values at the kinks)
    def sigmoid(self) -> Self: return self._apply(act.Sigmoid)
    def tanh(self) -> Self: return self._apply(act.Tanh)
    def relu(self) -> Self: return self._apply(act.Relu)
    def sign(self) -> Self: return self._apply(act.Sign)
    def step(self) -> Self: return self._apply(act.Step)

    def leaky_relu(self, slope: float = 0.01) -> Self:
        return self._apply(act.LeakyRelu, slope=slope)

    def softmax(self, axis: int = -1) -> Self:
        return self._apply(act.Softmax, axis=axis)

    def log_softmax(self, axis: int = -1) -> Self:
        return self._apply(act.LogSoftmax, axis=axis)


def _plain_index(index: Any) -> Any:
    """An index as numpy reads it: a tensor made from bools becomes a boolean mask, any other
    tensor an integer array (its values must be whole numbers)."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, list):
        return [_plain_index(i) for i in index]
    if not isinstance(index, TensorMath):
        return index
    a = index._data
    if index._is_mask:
        return a.astype(bool)
    if not (np.isfinite(a).all() and (a == np.round(a)).all()):
        raise IndexError(f"index: a tensor used as an index must hold whole numbers, got {a}")
    if a.size and np.abs(a).max() >= 2.0 ** 63:  # past the largest int64
        raise IndexError(f"index: {np.abs(a).max():g} is too large to be an index")
    return a.astype(np.intp)
