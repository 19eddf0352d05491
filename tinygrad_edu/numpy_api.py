"""numpy functions called on tensors: ``np.exp(t)`` records an exp, just like ``t.exp()``.

When an argument of a numpy function is a Tensor, numpy first asks the tensor whether it
handles the call: ``Tensor.__array_ufunc__`` for ufuncs (``np.add``, ``np.exp``, ...) and
``Tensor.__array_function__`` for the rest (``np.dot``, ``np.sum``, ...). Both land here. Where
tinygrad_edu has the operation, it runs, and the graph is recorded; any other function raises
a ``TypeError`` that says what to use. Without this, numpy would read the values through
``__array__`` and return a plain array: ``np.dot(x, w) + b`` would silently lose w's gradient.
The explicit ways out of the graph stay ``t.numpy()`` and ``np.asarray(t)``.

>>> import tinygrad_edu as tg
>>> w = tg.Tensor([1.0, 2.0], requires_grad=True)
>>> y = np.exp(w)
>>> y.op
'exp'
>>> np.sum(w * w).backward(); w.grad
array([2., 4.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .broadcasting import broadcast_shape
from .function import Function
from .ops import activations as act
from .ops import combine, linalg, select, trig
from .ops import elementwise as ew

#: ufunc -> the op it runs (called with the same positional arguments)
UFUNC_OPS: dict[np.ufunc, type[Function]] = {
    np.add: ew.Add, np.subtract: ew.Sub, np.multiply: ew.Mul, np.divide: ew.Div,
    np.power: ew.Pow, np.negative: ew.Neg, np.exp: ew.Exp, np.log: ew.Log, np.sqrt: ew.Sqrt,
    np.absolute: ew.Abs, np.tanh: act.Tanh, np.sign: act.Sign, np.matmul: linalg.MatMul,
    np.square: ew.Square, np.sin: trig.Sin, np.cos: trig.Cos, np.maximum: select.Maximum,
    np.minimum: select.Minimum,
}
#: ufuncs that answer with plain bool arrays: a comparison has no gradient
COMPARISONS = frozenset({np.equal, np.not_equal, np.less, np.less_equal, np.greater,
                         np.greater_equal})


def call_ufunc(tensor_type: Any, ufunc: np.ufunc, method: str, inputs: tuple[Any, ...],
               kwargs: dict[str, Any]) -> Any:
    """What ``Tensor.__array_ufunc__`` returns."""
    name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    if method == "__call__" and not kwargs:
        if ufunc in COMPARISONS:  # values only, numpy's broadcasting, a bool array
            arrays = [np.asarray(x) for x in inputs]
            broadcast_shape(f"comparison ({ufunc.__name__})", *[a.shape for a in arrays])
            return np.asarray(ufunc(*arrays))
        if ufunc is np.positive:
            return _tensor(tensor_type, inputs[0])
        if ufunc in UFUNC_OPS:
            return tensor_type.apply_op(UFUNC_OPS[ufunc], *inputs)
    if "out" in kwargs:
        raise TypeError(f"{name}(..., out=...): a tensor's result cannot be written into an "
                        "array; assign it instead (for an update in place: `with "
                        "tg.no_grad(): w -= ...`)")
    raise TypeError(_refused(name, kwargs))


def call_function(tensor_type: Any, func: Callable[..., Any], args: tuple[Any, ...],
                  kwargs: dict[str, Any]) -> Any:
    """What ``Tensor.__array_function__`` returns."""
    run = FUNCTIONS.get(func)
    name = f"np.{getattr(func, '__name__', func)}"
    if run is None:
        raise TypeError(_refused(name, {}))
    try:
        return run(tensor_type, *args, **kwargs)
    except _Unsupported as e:
        raise TypeError(f"{name}: {e}") from None


def _refused(name: str, kwargs: dict[str, Any]) -> str:
    extra = f" with {', '.join(f'{k}=' for k in kwargs)}" if kwargs else ""
    return (f"{name}{extra} is not a tinygrad_edu operation, so it would drop the gradient; "
            "use the Tensor method of the same name if there is one (e.g. t.exp(), t.sum(), "
            "t @ w), or call numpy on the values, t.numpy(), to work without gradients")


class _Unsupported(Exception):
    """A keyword that the matching Tensor method does not take."""


def _tensor(tensor_type: Any, a: Any) -> Any:
    return a if isinstance(a, tensor_type) else tensor_type(a)


def _only(method: str, **unsupported: Any) -> None:
    given = [k for k, v in unsupported.items() if v is not None]
    if given:
        raise _Unsupported(f"{', '.join(given)} is not supported; use t.{method}(...)")


def _reduction(method: str) -> Callable[..., Any]:
    def run(tt: Any, a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
            keepdims: bool = False, initial: Any = None, where: Any = None) -> Any:
        _only(method, dtype=dtype, out=out, initial=initial, where=where)
        return getattr(_tensor(tt, a), method)(axis=axis, keepdims=keepdims)
    return run


def _extreme(method: str) -> Callable[..., Any]:
    def run(tt: Any, a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
            initial: Any = None, where: Any = None) -> Any:  # np.max has no dtype argument
        _only(method, out=out, initial=initial, where=where)
        return getattr(_tensor(tt, a), method)(axis=axis, keepdims=keepdims)
    return run


def _spread(method: str) -> Callable[..., Any]:
    def run(tt: Any, a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
            ddof: int = 0, keepdims: bool = False, *, where: Any = None, mean: Any = None,
            correction: Any = None) -> Any:
        _only(method, dtype=dtype, out=out, where=where, mean=mean)
        return getattr(_tensor(tt, a), method)(axis=axis, ddof=ddof, keepdims=keepdims,
                                               correction=correction)
    return run


def _arg(method: str) -> Callable[..., Any]:
    def run(tt: Any, a: Any, axis: Any = None, out: Any = None, *,
            keepdims: bool = False) -> Any:
        _only(method, out=out)
        return getattr(_tensor(tt, a), method)(axis=axis, keepdims=keepdims)
    return run


def _cumsum(tt: Any, a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    _only("cumsum", dtype=dtype, out=out)
    return _tensor(tt, a).cumsum(axis=axis)


def _dot(tt: Any, a: Any, b: Any, out: Any = None) -> Any:
    _only("dot", out=out)
    return tt.apply_op(linalg.Dot, a, b)


def _reshape(tt: Any, a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None,
             copy: Any = None) -> Any:
    _only("reshape", order=None if order == "C" else order, copy=copy)
    return _tensor(tt, a).reshape(shape if shape is not None else newshape)


def _transpose(tt: Any, a: Any, axes: Any = None) -> Any:
    return _tensor(tt, a).transpose(axes)


def _clip(tt: Any, a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *,
          min: Any = None, max: Any = None) -> Any:
    _only("clip", out=out)
    return _tensor(tt, a).clip(a_min if min is None else min, a_max if max is None else max)


def _stack(tt: Any, arrays: Any, axis: int = 0, out: Any = None, *, dtype: Any = None,
           casting: Any = None) -> Any:
    _only("stack", out=out, dtype=dtype, casting=casting)
    return tt.apply_op(combine.Stack, *combine.tensor_sequence("np.stack", arrays), axis=axis)


def _concatenate(tt: Any, arrays: Any, axis: int | None = 0, out: Any = None,
                 dtype: Any = None, casting: Any = None) -> Any:
    _only("concatenate", out=out, dtype=dtype, casting=casting)
    tensors = combine.tensor_sequence("np.concatenate", arrays)
    return tt.apply_op(combine.Concatenate, *tensors, axis=axis)


def _where(tt: Any, condition: Any, *values: Any) -> Any:
    if len(values) != 2:
        raise _Unsupported("only the three-argument form np.where(cond, a, b) has a tensor "
                           "result; for the positions where cond holds use np.nonzero on an "
                           "array (t.numpy())")
    return tt.apply_op(select.Where, condition, *values)


def _repeat(tt: Any, a: Any, repeats: Any, axis: Any = None) -> Any:
    return _tensor(tt, a).repeat(repeats, axis=axis)


def _ravel(tt: Any, a: Any, order: str = "C") -> Any:
    _only("flatten", order=None if order == "C" else order)
    return _tensor(tt, a).flatten()


def _broadcast_to(tt: Any, a: Any, shape: Any, subok: bool = False) -> Any:
    return _tensor(tt, a).broadcast_to(shape)


FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    np.sum: _reduction("sum"), np.mean: _reduction("mean"), np.prod: _reduction("prod"),
    np.max: _extreme("max"), np.amax: _extreme("max"), np.min: _extreme("min"),
    np.amin: _extreme("min"), np.var: _spread("var"), np.std: _spread("std"),
    np.argmax: _arg("argmax"), np.argmin: _arg("argmin"), np.cumsum: _cumsum,
    np.dot: _dot, np.reshape: _reshape, np.transpose: _transpose, np.ravel: _ravel,
    np.clip: _clip, np.stack: _stack, np.concatenate: _concatenate, np.where: _where,
    np.flip: lambda tt, m, axis=None: _tensor(tt, m).flip(axis),
    np.tile: lambda tt, a, reps: _tensor(tt, a).tile(reps),
    np.repeat: _repeat, np.broadcast_to: _broadcast_to,
    np.squeeze: lambda tt, a, axis=None: _tensor(tt, a).squeeze(axis),
    np.expand_dims: lambda tt, a, axis: _tensor(tt, a).expand_dims(axis),
    np.swapaxes: lambda tt, a, axis1, axis2: _tensor(tt, a).swapaxes(axis1, axis2),
    # questions about the shape: plain answers, nothing to record
    np.shape: lambda tt, a: _tensor(tt, a).shape,
    np.ndim: lambda tt, a: _tensor(tt, a).ndim,
    np.size: lambda tt, a, axis=None: _tensor(tt, a).size if axis is None
    else _tensor(tt, a).shape[axis],
}
