"""How a ``Tensor`` behaves like a numpy array and a Python number (none of this is recorded).

- Python conversions: ``float(t)``, ``int(t)``, ``f"{t:.4f}"``, ``t.item()``, ``t.tolist()``,
  ``len(t)``, ``for row in t`` (each row is ``t[i]``, recorded like any index).
- Comparisons ``== != < <= > >=``: elementwise, numpy's broadcasting, a numpy bool array.
- In-place arithmetic ``+= -= *= /=``: under ``tg.no_grad()`` (an update), never while
  recording a tensor that requires grad.
- numpy functions: ``np.exp(t)``, ``np.dot(x, w)`` run tinygrad_edu's ops (numpy_api.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from . import numpy_api, versions
from .broadcasting import broadcast_shape
from .errors import ShapeError
from .function import Function
from .modes import NOT_RECORDED, mode, refuse_while_compiling
from .ops import elementwise as ew

if TYPE_CHECKING:
    import weakref

    from typing_extensions import Self  # typing.Self from Python 3.11

    from .versions import Versioned

_NUMBERS = (np.ndarray, int, float, bool, np.number, np.bool_, list, tuple)
_IN_PLACE_OPS: dict[Any, type[Function]] = {
    np.add: ew.Add, np.subtract: ew.Sub, np.multiply: ew.Mul, np.divide: ew.Div}


class TensorNumpy:
    """Conversions, comparisons, in-place arithmetic and numpy's protocols for ``Tensor``."""

    __slots__ = ()
    _data: np.ndarray
    requires_grad: bool
    name: str | None
    _fn: Function | None
    _is_mask: bool
    # what versions.count_change reads and writes (the Versioned protocol), for `t += ...`
    _version: int
    _changed_at: int
    _base: Versioned | None
    _views: dict[int, weakref.ref[Versioned]] | None

    def __getitem__(self, index: Any) -> Self:
        raise NotImplementedError  # provided by TensorMath

    def _apply(self, op: type[Function], *others: Any, **params: Any) -> Self:
        raise NotImplementedError  # provided by Tensor

    # ----- printing, and to Python and numpy values -----
    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(", threshold=20)
        extra = [f"name={self.name!r}"] if self.name else []
        if self._data.dtype != np.float64:
            extra.append(f"dtype={self._data.dtype}")
        if self._fn is not None:
            extra.append(f"op={self._fn.name!r}")
        if self.requires_grad:
            extra.append("requires_grad=True")
        return f"Tensor({', '.join([body, *extra])})"

    def item(self) -> float:
        """The single value as a Python float."""
        refuse_while_compiling("t.item()")
        return float(self._one("item()"))

    def numpy(self) -> np.ndarray:
        """A copy of the values (a copy, so later updates of the tensor do not change it)."""
        refuse_while_compiling("t.numpy()")
        values: np.ndarray = self._data.copy()
        return values

    def tolist(self) -> Any:
        """The values as (nested) Python lists of floats, like ``ndarray.tolist``."""
        refuse_while_compiling("t.tolist()")
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        refuse_while_compiling("np.asarray(t) (or another way numpy reads a tensor's values)")
        a = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return a.copy() if copy else a

    def __float__(self) -> float:
        refuse_while_compiling("float(t)")
        return float(self._one("float()"))

    def __int__(self) -> int:
        refuse_while_compiling("int(t)")
        return int(self._one("int()"))

    def __bool__(self) -> bool:
        refuse_while_compiling("bool(t) (an `if` or `while` on a tensor)")
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self._data.size} elements (shape "
                f"{self._data.shape}) is ambiguous; compare values with .item() or reduce with "
                ".max() / .sum() first (a comparison such as `t > 0` gives a numpy bool array: "
                "use its .all() or .any())")
        return bool(self._data.reshape(()))

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        refuse_while_compiling(f"format(t, {spec!r})")
        if self._data.size == 1:
            return format(float(self._data.reshape(())), spec)
        return np.array2string(self._data, separator=", ",
                               formatter={"float_kind": lambda v: format(v, spec)})

    def _one(self, what: str) -> np.ndarray:
        if self._data.size != 1:
            raise ValueError(
                f"{what} of a tensor needs exactly one element, but this one has shape "
                f"{self._data.shape} ({self._data.size} elements); index it, or reduce it "
                "with .sum() / .mean() / .max() first")
        return self._data.reshape(())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a single value): it has no first axis")
        return len(self._data)

    def __iter__(self) -> Iterator[Self]:
        for i in range(len(self)):
            yield self[i]

    # ----- comparisons: values only -----
    def _compare(self, ufunc: np.ufunc, other: Any) -> Any:
        refuse_while_compiling(f"a comparison ({ufunc.__name__})")
        if isinstance(other, TensorNumpy):
            other = other._data
        elif not isinstance(other, _NUMBERS):
            return NotImplemented  # `t == None`, `t == "a"`: Python answers (False / True)
        other = np.asarray(other)
        if other.dtype.kind not in "fiub":
            return NotImplemented
        broadcast_shape(f"comparison ({ufunc.__name__})", self._data.shape, other.shape)
        return np.asarray(ufunc(self._data, other))

    def __eq__(self, other: object) -> Any: return self._compare(np.equal, other)
    def __ne__(self, other: object) -> Any: return self._compare(np.not_equal, other)
    def __lt__(self, other: Any) -> Any: return self._compare(np.less, other)
    def __le__(self, other: Any) -> Any: return self._compare(np.less_equal, other)
    def __gt__(self, other: Any) -> Any: return self._compare(np.greater, other)
    def __ge__(self, other: Any) -> Any: return self._compare(np.greater_equal, other)

    # ----- in-place arithmetic: updates, under no_grad -----
    def _in_place(self, ufunc: np.ufunc, other: Any, symbol: str) -> Self:
        """``t += other`` and friends: an update of t's own array, unless the graph records it.

        While recording, a tensor that requires grad cannot change in place: there would be
        no gradient for the change (update it inside ``no_grad`` or through ``.data``; for a
        computed tensor write ``t = t + other``). A tensor without grad that takes in one with
        grad (``c += w``) gets the recorded op instead, as ``c = c + w``: the name is bound to
        a new tensor, so w's gradient through it is kept."""
        now = mode.get()
        if now.compiling:
            refuse_while_compiling(f"`t {symbol}= ...`", NOT_RECORDED)
        recording = now.grad
        if recording and self.requires_grad:
            computed = "" if self._fn is None else (
                f" For a computed tensor, write `t = t {symbol} ...` to record the operation.")
            raise RuntimeError(
                f"`t {symbol}= ...` on a tensor that requires grad while the graph is being "
                "recorded: there is no gradient for changing it in place. Update parameters "
                f"inside `with tg.no_grad():` (e.g. `w {symbol}= lr * w.grad`), or through the "
                f"array: `w.data {symbol}= ...`.{computed}")
        if recording and getattr(other, "requires_grad", False):
            return self._apply(_IN_PLACE_OPS[ufunc], other)
        value = other._data if isinstance(other, TensorNumpy) else np.asarray(other)
        shape = broadcast_shape(f"{symbol}=", self._data.shape, value.shape)
        if shape != self._data.shape:
            raise ShapeError(f"`t {symbol}= other`: t has shape {self._data.shape} but the "
                             f"result would have shape {shape}; the result must fit in t")
        ufunc(self._data, value, out=self._data, casting="same_kind")
        versions.count_change(self)  # values saved for a backward are now stale
        return self

    def __iadd__(self, other: Any) -> Self: return self._in_place(np.add, other, "+")
    def __isub__(self, other: Any) -> Self: return self._in_place(np.subtract, other, "-")
    def __imul__(self, other: Any) -> Self: return self._in_place(np.multiply, other, "*")
    def __itruediv__(self, other: Any) -> Self: return self._in_place(np.divide, other, "/")

    # ----- numpy's protocols (numpy_api.py) -----
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return numpy_api.call_ufunc(type(self), ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Callable[..., Any], types: Any, args: tuple[Any, ...],
                           kwargs: dict[str, Any]) -> Any:
        return numpy_api.call_function(type(self), func, args, kwargs)
