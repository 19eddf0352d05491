"""``Tensor``: an array that remembers the operation that made it, and ``apply``.

A tensor made by an op keeps that op (``_fn``, whose ``vjp`` is its gradient rule) and its
inputs (``parents``); ``backward()`` walks those links in reverse (``engine.backward``).
The arithmetic and activation methods live in ``tensor_math.TensorMath``, each one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import engine, guards
from .errors import ShapeError
from .function import Function
from .tensor_math import TensorMath

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
Hook = Callable[[np.ndarray], "np.ndarray | None"]


def to_array(data: Any, dtype: Any = None, *, copy: bool = True) -> np.ndarray:
    """``data`` as a float32/float64 array (ints and bools -> float64), or a clear TypeError."""
    if isinstance(data, Tensor):
        data = data._data
    if data is None or isinstance(data, (str, bytes, complex)):
        raise TypeError(
            f"Tensor: cannot make a tensor from {type(data).__name__} {data!r}; give a number, "
            "a (nested) list of numbers or a numpy array"
        )
    try:
        arr = np.array(data, copy=copy) if isinstance(data, np.ndarray) else np.asarray(data)
    except (ValueError, TypeError) as e:
        raise TypeError(
            f"Tensor: cannot make a tensor from this {type(data).__name__} ({e}); nested lists "
            "must be rectangular (every row the same length) and hold only numbers"
        ) from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"Tensor: data of dtype {arr.dtype} ({type(data).__name__}) is not numeric; "
            "tensors hold real numbers (bools and integers become float64)"
        )
    if dtype is not None:
        target = np.dtype(dtype)
        if target not in _FLOATS:
            raise TypeError(f"Tensor: dtype must be float32 or float64, got {target}")
    else:
        target = arr.dtype if arr.dtype in _FLOATS else np.dtype(np.float64)
    return arr.astype(target, copy=False)


class Tensor(TensorMath):
    """An n-dimensional array of float64 (or float32) that records how it was computed.

    >>> w = Tensor([0.5, -1.0], requires_grad=True)
    >>> x = Tensor([2.0, 3.0])
    >>> y = (w * x).sum()
    >>> y.backward()
    >>> w.grad          # dy/dw = x
    array([2., 3.])
    """

    # in reading order (public first), not sorted: fixed attributes, no per-tensor dict
    __slots__ = ("_data", "grad", "requires_grad", "name", "_fn", "_parents",  # noqa: RUF023
                 "_version", "_hooks", "_retain_grad", "__weakref__")
    # numpy must hand ``ndarray + Tensor`` to ``Tensor.__radd__`` instead of converting us
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, *, dtype: Any = None,
                 name: str | None = None) -> None:
        if requires_grad is not True and requires_grad is not False:
            raise TypeError(f"Tensor: requires_grad must be True or False, got {requires_grad!r}")
        self._data = to_array(data, dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self.name = name
        self._fn: Function | None = None
        self._parents: tuple[Tensor, ...] = ()
        self._version = 0
        # a tuple, not a list: () is shared by every tensor without hooks, while a list per
        # tensor is one more object the garbage collector must walk (~0.5 µs per op when a
        # graph of 100,000 ops grows: see BENCHMARKS.md, W4)
        self._hooks: tuple[Hook, ...] = ()
        self._retain_grad = False

    # ----- the array and its description -----
    @property
    def data(self) -> np.ndarray:
        """The values (an np.ndarray). Assigning to it, also ``t.data -= ...``, is recorded."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if not (isinstance(value, np.ndarray) and value.dtype in _FLOATS):
            value = to_array(value, self._data.dtype)
        self._data = value
        self._version += 1  # lets backward notice values changed after they were saved

    shape = property(lambda self: self._data.shape, doc="The shape, a tuple of ints.")
    ndim = property(lambda self: self._data.ndim, doc="The number of axes.")
    dtype = property(lambda self: self._data.dtype, doc="float64 (default) or float32.")
    size = property(lambda self: self._data.size, doc="The number of elements.")

    @property
    def op(self) -> str | None:
        """Name of the operation that produced this tensor; None for a leaf."""
        return None if self._fn is None else self._fn.name

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The input tensors of the operation that produced this tensor; () for a leaf."""
        return self._parents

    @property
    def is_leaf(self) -> bool:
        """True when no recorded op made this tensor (user-made, or made under no_grad)."""
        return self._fn is None

    def item(self) -> float:
        """The single value as a Python float."""
        if self._data.size != 1:
            raise ValueError(f"item: the tensor has shape {self.shape} ({self.size} elements); "
                             "item() needs exactly one (index it, or reduce with .sum())")
        return float(self._data.reshape(()))

    def numpy(self) -> np.ndarray:
        """A copy of the values (a copy, so later updates of the tensor do not change it)."""
        return self._data.copy()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        a = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return a.copy() if copy else a

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.size} elements (shape {self.shape}) is "
                "ambiguous; compare values with .item() or reduce with .max() / .sum() first"
            )
        return bool(self._data.reshape(()))

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a scalar)")
        return len(self._data)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(", threshold=20)
        extra = [f"name={self.name!r}"] if self.name else []
        if self._data.dtype != np.float64:
            extra.append(f"dtype={self._data.dtype}")
        if self._fn is not None:
            extra.append(f"op={self.op!r}")
        if self.requires_grad:
            extra.append("requires_grad=True")
        return f"Tensor({', '.join([body] + extra)})"

    # ----- autograd -----
    def backward(self, grad: Any = None, *, retain_graph: bool = False) -> None:
        """Compute d self / d leaf for every leaf with requires_grad; add it into ``leaf.grad``.

        ``grad`` is dL/dself when self is not the final scalar (same shape as self).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad: none of the tensors it was "
                "computed from has requires_grad=True, or it was computed under no_grad()"
            )
        if grad is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"backward: the tensor has shape {self.shape}, not a single value; reduce "
                    "it to a scalar loss first (.sum() or .mean()), or pass grad= of that shape"
                )
            g = np.full(self._data.shape, 1.0, self._data.dtype)  # dL/dL = 1 (np.ones is slower)
        else:
            g = to_array(grad, self.dtype)
            if g.shape != self.shape:
                raise ShapeError(f"backward: grad has shape {g.shape} but the tensor has shape "
                                 f"{self.shape}; they must be equal")
        engine.backward(self, g, retain_graph=retain_graph)

    def detach(self) -> Tensor:
        """A leaf with the same values and requires_grad=False, cut off from the graph.

        The values are copied: changing the detached tensor in place can then never change,
        unnoticed, an array that this tensor's graph saved for backward.
        """
        return _wrap(self._data.copy(), False)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        self._retain_grad = self._fn is not None

    def register_hook(self, fn: Hook) -> Callable[[], None]:
        """Call ``fn(grad)`` with this tensor's total gradient each backward; a returned
        array replaces the gradient. Returns a function that removes the hook."""
        self._hooks = (*self._hooks, fn)

        def remove() -> None:
            hooks = list(self._hooks)
            hooks.remove(fn)  # ValueError if it was removed already
            self._hooks = tuple(hooks)

        return remove

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad = None``)."""
        self.grad = None

    def _apply(self, op: type[Function], *others: Any, **params: Any) -> Tensor:
        return apply(op, self, *others, **params)


def _wrap(data: np.ndarray, requires_grad: bool) -> Tensor:
    """A tensor around an array we already own (no checks, no copy): the hot path."""
    t = Tensor.__new__(Tensor)
    t._data, t.grad, t.requires_grad, t.name = data, None, requires_grad, None
    t._fn, t._parents, t._version, t._hooks, t._retain_grad = None, (), 0, (), False
    return t


def apply(op: type[Function], *inputs: Any, **params: Any) -> Tensor:
    """Run ``op`` forward on the inputs' arrays and, if any input requires grad, record it.

    Non-Tensor inputs (numbers, arrays) are constants; a Python number takes the dtype of the
    first tensor input so float32 work stays float32.
    """
    # One plain loop collects all we need from the inputs. apply runs once per op, and this
    # loop replaced five generator passes that took ~2.4 µs of a ~5 µs op (now ~0.4 µs).
    tensors: list[Tensor] = []
    arrays: list[np.ndarray] = []
    needs: list[bool] = []
    versions: list[int] = []
    for x in inputs:
        if not isinstance(x, Tensor):
            x = _constant(x, inputs)
        tensors.append(x)
        arrays.append(x._data)
        needs.append(x.requires_grad)
        versions.append(x._version)
    fn = op()
    out = fn.forward(*arrays, **params)
    if type(out) is not np.ndarray:  # numpy returns a scalar object (np.float64) for 0-d results
        out = np.asarray(out)
    if out.dtype not in _FLOATS:
        out = to_array(out, copy=False)
    if engine.anomaly_enabled:
        bad = guards.describe_nonfinite(out)
        if bad is not None:
            raise FloatingPointError(
                f"detect_anomaly: forward of '{fn.name}' produced {bad} (input shapes "
                f"{[t.shape for t in tensors]}); look at its inputs for values outside its domain"
            )
        fn._fingerprints = guards.fingerprints(arrays, out)  # type: ignore[attr-defined]
    record = engine.grad_enabled and True in needs
    result = _wrap(out, record)
    if record:
        fn.needs_input_grad = tuple(needs)
        fn._versions = tuple(versions)  # type: ignore[attr-defined]
        fn.params = params  # so the op can be re-run (gradcheck.locate) and shown
        result._fn, result._parents = fn, tuple(tensors)
    return result


def _constant(x: Any, inputs: tuple[Any, ...]) -> Tensor:
    """A non-Tensor operand as a constant leaf; a Python number takes the dtype of the first
    tensor operand, so that float32 work stays float32."""
    like = None
    if isinstance(x, (int, float)):
        like = next((t._data.dtype for t in inputs if isinstance(t, Tensor)), None)
    return _wrap(to_array(x, like, copy=False), False)
