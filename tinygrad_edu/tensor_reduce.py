"""The reductions of ``Tensor`` (sum, mean, max, min, prod, var, std, cumsum) and the
positions of extremes (argmax, argmin), one short method each.

numpy's keywords are the project's own (``axis``, ``keepdims``); PyTorch's ``dim`` and
``keepdim`` are accepted too, and giving both spellings of one argument is a TypeError
(``arguments.numpy_or_torch``). The gradient rules are in ops/reduce.py and ops/scan.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .arguments import numpy_or_torch
from .errors import ShapeError
from .function import Function
from .modes import refuse_while_compiling
from .ops import reduce, scan
from .ops.reduce import Axis, one_axis

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


def _axis(op: str, axis: Any, dim: Any) -> Any:
    return numpy_or_torch(op, "axis", axis, None, "dim", dim)


def _keep(op: str, keepdims: bool, keepdim: bool | None) -> bool:
    return bool(numpy_or_torch(op, "keepdims", keepdims, False, "keepdim", keepdim))


class TensorReduce:
    """Reductions over all elements or chosen axes (int, tuple or negative)."""

    __slots__ = ()
    _data: np.ndarray

    def _apply(self, op: type[Function], *others: Any, **params: Any) -> Self:
        raise NotImplementedError  # provided by Tensor

    def sqrt(self) -> Self:
        raise NotImplementedError  # provided by TensorMath

    def _reduce(self, op: type[Function], axis: Any, keepdims: bool, dim: Any,
                keepdim: bool | None, **params: Any) -> Self:
        name = op.name
        return self._apply(op, axis=_axis(name, axis, dim),
                           keepdims=_keep(name, keepdims, keepdim), **params)

    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Self:
        """Sum over ``axis`` (None: all elements; int, tuple or negative)."""
        return self._reduce(reduce.Sum, axis, keepdims, dim, keepdim)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
             keepdim: bool | None = None) -> Self:
        """Mean over ``axis`` (None: all elements; int, tuple or negative)."""
        return self._reduce(reduce.Mean, axis, keepdims, dim, keepdim)

    def max(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Self:
        """Maximum over ``axis``; ties share the gradient equally. The values only (PyTorch's
        ``max(dim)`` also returns the indices: here they are ``argmax(axis)``)."""
        return self._reduce(reduce.Max, axis, keepdims, dim, keepdim)

    def min(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Self:
        """Minimum over ``axis``; ties share the gradient equally, as for ``max``."""
        return self._reduce(reduce.Min, axis, keepdims, dim, keepdim)

    def prod(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
             keepdim: bool | None = None) -> Self:
        """Product over ``axis``; its gradient is exact with zeros among the values.

        >>> from tinygrad_edu import Tensor
        >>> x = Tensor([2.0, 0.0, 5.0], requires_grad=True)
        >>> x.prod().backward(); x.grad       # d(x0·x1·x2)/dx1 = x0·x2
        array([ 0., 10.,  0.])
        """
        return self._reduce(reduce.Prod, axis, keepdims, dim, keepdim)

    def var(self, axis: Axis = None, *, ddof: int = 0, keepdims: bool = False,
            dim: Axis = None, keepdim: bool | None = None, correction: int | None = None
            ) -> Self:
        """Variance Σ(x − mean)² / (n − ddof) over ``axis``. ``ddof=0`` (numpy's default) is
        the population variance; PyTorch's default is the sample variance, ``ddof=1``
        (PyTorch's ``correction=`` is accepted as another name for ``ddof``)."""
        ddof = numpy_or_torch("var", "ddof", ddof, 0, "correction", correction)
        return self._reduce(reduce.Var, axis, keepdims, dim, keepdim, ddof=ddof)

    def std(self, axis: Axis = None, *, ddof: int = 0, keepdims: bool = False,
            dim: Axis = None, keepdim: bool | None = None, correction: int | None = None
            ) -> Self:
        """Standard deviation, √var (see ``var`` for ``ddof``). Where the values of a slice
        are all equal, std is 0 and its slope infinite, as √ at 0."""
        ddof = numpy_or_torch("std", "ddof", ddof, 0, "correction", correction)
        keep = _keep("std", keepdims, keepdim)
        return self.var(_axis("std", axis, dim), ddof=ddof, keepdims=keep).sqrt()

    def cumsum(self, axis: int | None = None, *, dim: int | None = None) -> Self:
        """Running sum along ``axis`` (None: along the flattened tensor, as numpy)."""
        return self._apply(scan.Cumsum, axis=_axis("cumsum", axis, dim))

    def argmax(self, axis: int | None = None, keepdims: bool = False, *,
               dim: int | None = None, keepdim: bool | None = None) -> Any:
        """Where the maximum is (the first one on ties): with axis None, a position in the
        flattened values; else the positions along ``axis``, an integer numpy array. One
        position is returned as a Python int.

        No gradient, and not recorded: an index is a position, not a value that varies
        smoothly with the input.
        """
        return self._arg("argmax", np.argmax, axis, keepdims, dim, keepdim)

    def argmin(self, axis: int | None = None, keepdims: bool = False, *,
               dim: int | None = None, keepdim: bool | None = None) -> Any:
        """Where the minimum is, as ``argmax``. No gradient, and not recorded."""
        return self._arg("argmin", np.argmin, axis, keepdims, dim, keepdim)

    def _arg(self, op: str, find: Any, axis: Any, keepdims: bool, dim: Any,
             keepdim: bool | None) -> Any:
        refuse_while_compiling(f"t.{op}()")
        axis, keepdims = _axis(op, axis, dim), _keep(op, keepdims, keepdim)
        a = self._data
        if axis is not None:
            axis = one_axis(op, axis, a.ndim)
        if a.size == 0 or (axis is not None and a.shape[axis] == 0):
            raise ShapeError(f"{op}: a tensor of shape {a.shape} has no values to choose from"
                             + ("" if axis is None else f" along axis {axis}"))
        found = find(a, axis=axis, keepdims=keepdims)
        return int(found) if np.ndim(found) == 0 else np.asarray(found)
