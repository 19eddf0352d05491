"""The math methods of ``Tensor``, one line each: every one hands its work to an op class.

Kept apart from ``tensor.py`` so that file stays about what a tensor *is*; the gradient rules
themselves are in ``ops/``, next to their forwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .ops import activations as act
from .ops import elementwise as ew
from .ops import linalg, reduce, shape

if TYPE_CHECKING:
    from .function import Function
    from .tensor import Tensor

Axis = int | tuple[int, ...] | None


class TensorMath:
    """Operators and methods; each returns a new Tensor that records its op."""

    __slots__ = ()

    def _apply(self, op: type[Function], *others: Any, **params: Any) -> Tensor:
        raise NotImplementedError  # provided by Tensor

    def _rapply(self, op: type[Function], other: Any) -> Tensor:
        from .tensor import apply  # other is the left operand: a constant, not a Tensor

        return apply(op, other, self)

    # arithmetic (numpy broadcasting; gradients summed back to each operand's shape)
    def __add__(self, other: Any) -> Tensor: return self._apply(ew.Add, other)
    def __radd__(self, other: Any) -> Tensor: return self._rapply(ew.Add, other)
    def __sub__(self, other: Any) -> Tensor: return self._apply(ew.Sub, other)
    def __rsub__(self, other: Any) -> Tensor: return self._rapply(ew.Sub, other)
    def __mul__(self, other: Any) -> Tensor: return self._apply(ew.Mul, other)
    def __rmul__(self, other: Any) -> Tensor: return self._rapply(ew.Mul, other)
    def __truediv__(self, other: Any) -> Tensor: return self._apply(ew.Div, other)
    def __rtruediv__(self, other: Any) -> Tensor: return self._rapply(ew.Div, other)
    def __pow__(self, other: Any) -> Tensor: return self._apply(ew.Pow, other)
    def __rpow__(self, other: Any) -> Tensor: return self._rapply(ew.Pow, other)
    def __neg__(self) -> Tensor: return self._apply(ew.Neg)
    def __abs__(self) -> Tensor: return self._apply(ew.Abs)

    # linear algebra
    def __matmul__(self, other: Any) -> Tensor: return self._apply(linalg.MatMul, other)
    def __rmatmul__(self, other: Any) -> Tensor: return self._rapply(linalg.MatMul, other)

    def matmul(self, other: Any) -> Tensor:
        """``self @ other`` with np.matmul's rules (1-D, 2-D and batched N-D)."""
        return self._apply(linalg.MatMul, other)

    def dot(self, other: Any) -> Tensor:
        """The dot / matrix product of 1-D or 2-D tensors: ``w.dot(x)`` is w·x."""
        return self._apply(linalg.Dot, other)

    # reductions
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (None: all elements; int, tuple or negative)."""
        return self._apply(reduce.Sum, axis=axis, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (None: all elements; int, tuple or negative)."""
        return self._apply(reduce.Mean, axis=axis, keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; ties share the gradient equally."""
        return self._apply(reduce.Max, axis=axis, keepdims=keepdims)

    # elementwise math
    def exp(self) -> Tensor: return self._apply(ew.Exp)
    def log(self) -> Tensor: return self._apply(ew.Log)
    def sqrt(self) -> Tensor: return self._apply(ew.Sqrt)
    def abs(self) -> Tensor: return self._apply(ew.Abs)

    # shape
    def reshape(self, *shape: Any) -> Tensor:
        """``t.reshape(2, 3)``, ``t.reshape((2, 3))``; one size may be -1."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return self._apply(shape_op.Reshape, shape=shape)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (default: reverse them); ``t.transpose(1, 0)`` or a tuple."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return self._apply(shape_op.Transpose, axes=axes or None)

    @property
    def T(self) -> Tensor:
        """The transpose (all axes reversed)."""
        return self._apply(shape_op.Transpose, axes=None)

    def __getitem__(self, index: Any) -> Tensor:
        return self._apply(shape_op.Index, index=_plain_index(index))

    # activations (see ops/activations.py for the values at the kinks)
    def sigmoid(self) -> Tensor: return self._apply(act.Sigmoid)
    def tanh(self) -> Tensor: return self._apply(act.Tanh)
    def relu(self) -> Tensor: return self._apply(act.Relu)
    def sign(self) -> Tensor: return self._apply(act.Sign)
    def step(self) -> Tensor: return self._apply(act.Step)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        return self._apply(act.LeakyRelu, slope=slope)

    def softmax(self, axis: int = -1) -> Tensor:
        return self._apply(act.Softmax, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return self._apply(act.LogSoftmax, axis=axis)


shape_op = shape  # the module; ``shape`` alone would read like the tensor's shape


def _plain_index(index: Any) -> Any:
    """Tensors inside an index become integer (or bool) arrays, as numpy expects."""
    from .tensor import Tensor

    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Tensor):
        a = index._data
        if not (a == a.round()).all():
            raise IndexError(f"index: a tensor used as an index must hold whole numbers, got {a}")
        return a.astype(int)
    if isinstance(index, list):
        return [_plain_index(i) for i in index]
    return index
