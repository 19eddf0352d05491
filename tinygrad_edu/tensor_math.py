"""The math methods of ``Tensor``, one line each: every one hands its work to an op class.
(The reductions are in tensor_reduce.py, the shape methods beyond reshape and transpose in
tensor_shape.py; ``TensorMath`` inherits both.)

Kept apart from ``tensor.py`` so that file stays about what a tensor *is*; the gradient rules
themselves are in ``ops/``, next to their forwards. ``self._apply(Op, other)`` runs ``Op`` on
``(self, other)`` and ``self._rapply(Op, other)`` on ``(other, self)`` (see ``tensor.apply``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .arguments import numpy_or_torch
from .function import Function
from .ops import activations as act
from .ops import elementwise as ew
from .ops import linalg, select, trig
from .ops import shape as shape_ops
from .tensor_reduce import TensorReduce
from .tensor_shape import TensorShape

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


class TensorMath(TensorReduce, TensorShape):
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
    def __pos__(self) -> Self: return self  # +t is t, as PyTorch's (and np.positive here)
    def __abs__(self) -> Self: return self._apply(ew.Abs)

    # PyTorch's method spellings of the operators
    def add(self, other: Any) -> Self: return self._apply(ew.Add, other)
    def sub(self, other: Any) -> Self: return self._apply(ew.Sub, other)
    def mul(self, other: Any) -> Self: return self._apply(ew.Mul, other)
    def div(self, other: Any) -> Self: return self._apply(ew.Div, other)
    def pow(self, exponent: Any) -> Self: return self._apply(ew.Pow, exponent)

    # linear algebra
    def __matmul__(self, other: Any) -> Self: return self._apply(linalg.MatMul, other)
    def __rmatmul__(self, other: Any) -> Self: return self._rapply(linalg.MatMul, other)

    def matmul(self, other: Any) -> Self:
        """``self @ other`` with np.matmul's rules (1-D, 2-D and batched N-D)."""
        return self._apply(linalg.MatMul, other)

    def dot(self, other: Any) -> Self:
        """The dot / matrix product of 1-D or 2-D tensors: ``w.dot(x)`` is w·x."""
        return self._apply(linalg.Dot, other)

    # elementwise math
    def exp(self) -> Self: return self._apply(ew.Exp)
    def log(self) -> Self: return self._apply(ew.Log)
    def sqrt(self) -> Self: return self._apply(ew.Sqrt)
    def abs(self) -> Self: return self._apply(ew.Abs)
    def square(self) -> Self: return self._apply(ew.Square)
    def sin(self) -> Self: return self._apply(trig.Sin)
    def cos(self) -> Self: return self._apply(trig.Cos)

    def clip(self, min: Any = None, max: Any = None) -> Self:
        """The values limited to [min, max] (either may be None); the gradient is 0 where a
        value was cut. ``clamp`` is PyTorch's name for it."""
        return self._apply(select.Clip, lo=min, hi=max)

    def clamp(self, min: Any = None, max: Any = None) -> Self:
        """PyTorch's name for ``clip``."""
        return self.clip(min, max)

    # shape
    def reshape(self, *shape: Any) -> Self:
        """``t.reshape(2, 3)``, ``t.reshape((2, 3))``; one size may be -1."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return self._same_kind(self._apply(shape_ops.Reshape, shape=shape))

    def view(self, *shape: Any) -> Self:
        """PyTorch's name for ``reshape``."""
        return self.reshape(*shape)

    def transpose(self, *axes: Any) -> Self:
        """Permute the axes as numpy does: a whole permutation, ``t.transpose(1, 0, 2)`` or a
        tuple; none (or None) reverses them. To swap two axes, as PyTorch's ``transpose(a,
        b)`` does, use ``swapaxes(a, b)``."""
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = () if axes[0] is None else tuple(axes[0])
        return self._same_kind(self._apply(shape_ops.Transpose, axes=axes or None))

    def permute(self, *axes: Any) -> Self:
        """PyTorch's name for ``transpose`` with a permutation: ``t.permute(2, 0, 1)``."""
        return self.transpose(*axes)

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

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Self:
        return self._apply(act.Softmax, axis=numpy_or_torch("softmax", "axis", axis, -1,
                                                            "dim", dim))

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Self:
        return self._apply(act.LogSoftmax, axis=numpy_or_torch("log_softmax", "axis", axis, -1,
                                                               "dim", dim))


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
