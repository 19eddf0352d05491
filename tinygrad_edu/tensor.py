"""``Tensor``: an array that remembers the operation that made it, and ``apply``.

``apply(Op, *inputs)`` runs an op's forward on the inputs' arrays and, when some input
requires grad, records the op on the result: its ``_fn`` (whose ``vjp`` is the gradient rule)
and its ``_parents`` (the inputs). ``backward()`` walks those links in reverse (engine.py).
The math methods (``+``, ``@``, ``.sum()``, ...) are one line each, in tensor_math.py; the
numpy-like behaviour (comparisons, ``float(t)``, ``np.exp(t)``) is in tensor_numpy.py.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, final

import numpy as np

from . import engine, guards
from .arrays import FLOATS, to_array
from .errors import ShapeError
from .function import Function
from .graph import Hook
from .modes import is_anomaly_enabled, is_grad_enabled
from .tensor_math import TensorMath
from .tensor_numpy import TensorNumpy


@final  # not meant to be subclassed (and so the math methods' ``Self`` is ``Tensor``)
class Tensor(TensorMath, TensorNumpy):
    """An n-dimensional array of float64 (or float32) that records how it was computed.

    >>> w = Tensor([0.5, -1.0], requires_grad=True)
    >>> x = Tensor([2.0, 3.0])
    >>> y = (w * x).sum()
    >>> y.backward()
    >>> w.grad          # dy/dw = x
    array([2., 3.])
    """

    # fixed attributes, in reading order: no per-tensor dict
    __slots__ = ("_data", "_grad", "requires_grad", "name", "_fn", "_parents",  # noqa: RUF023
                 "_version", "_base", "_hooks", "_retain_grad", "_is_mask", "__weakref__")
    _data: np.ndarray
    _grad: np.ndarray | None
    requires_grad: bool
    name: str | None
    _fn: Function | None  # the op that made this tensor (None: a leaf)
    _parents: tuple[Tensor, ...]  # that op's inputs
    _version: int  # in-place changes counted so far (a view counts on its base's)
    _base: Tensor | None  # the tensor whose memory this one is a view of
    _hooks: tuple[Hook, ...]
    _retain_grad: bool
    _is_mask: bool

    def __init__(self, data: Any, requires_grad: bool = False, *, dtype: Any = None,
                 name: str | None = None) -> None:
        if requires_grad is not True and requires_grad is not False:
            raise TypeError(f"Tensor: requires_grad must be True or False, got {requires_grad!r}")
        _init(self, to_array(data, dtype), requires_grad)
        self.name = name
        # made from bools: used as an index, it is a mask, as in numpy (TensorMath.__getitem__)
        self._is_mask = data._is_mask if isinstance(data, Tensor) else \
            isinstance(data, (bool, np.bool_, list, tuple, np.ndarray)) and \
            np.asarray(data).dtype == bool

    # ----- the values -----
    @property
    def data(self) -> np.ndarray:
        """The values (an np.ndarray). Assigning to it, also ``t.data -= ...``, is counted in
        ``version``, so backward notices values it saved that changed since."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if value is self._data:  # `t.data -= 1`: numpy changed the array in place
            self._bump_version()
            return
        if not (isinstance(value, np.ndarray) and value.dtype in FLOATS):
            value = to_array(value, self._data.dtype)
        # a new array: this tensor no longer shares memory with the one it was a view of
        self._version, self._base = self.version + 1, None
        self._data = value

    @property
    def version(self) -> int:
        """How many times the values were changed in place (counted with all views of them)."""
        return (self if self._base is None else self._base)._version

    def _bump_version(self) -> None:
        (self if self._base is None else self._base)._version += 1

    shape = property(lambda self: self._data.shape, doc="The shape, a tuple of ints.")
    ndim = property(lambda self: self._data.ndim, doc="The number of axes.")
    dtype = property(lambda self: self._data.dtype, doc="float64 (default) or float32.")
    size = property(lambda self: self._data.size, doc="The number of elements.")

    # ----- the graph -----
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

    # ----- gradients -----
    @property
    def grad(self) -> np.ndarray | None:
        """dL/dself after ``backward()`` (None before): kept for leaves that require grad and
        for tensors that called ``retain_grad()``."""
        if self._grad is None and self._fn is not None and not self._retain_grad:
            warnings.warn(
                f"the .grad of a tensor made by '{self.op}' (not a leaf) is None: backward keeps "
                "gradients only of leaves; call .retain_grad() on it before backward to keep "
                "its gradient too", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            value = value.data if isinstance(value, Tensor) else np.asarray(value)
            if value.dtype != self._data.dtype:
                raise TypeError(f"grad: a {self.dtype} tensor needs a {self.dtype} gradient, "
                                f"got {value.dtype} (use .astype(np.{self.dtype}))")
            if value.shape != self.shape:
                raise ShapeError(f"grad: a gradient of shape {value.shape} for a tensor of "
                                 f"shape {self.shape}; they must be equal")
        self._grad = value

    def backward(self, grad: Any = None, *, retain_graph: bool = False) -> None:
        """Compute d self / d leaf for every leaf with requires_grad; add it into ``leaf.grad``.

        ``grad`` is dL/dself when self is not the final scalar (same shape as self).
        """
        seed = guards.seed_gradient("backward", self, grad)
        engine.backward(self, seed, retain_graph=retain_graph)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        self._retain_grad = self._fn is not None

    def register_hook(self, fn: Hook) -> Callable[[], None]:
        """Call ``fn(grad)`` with this tensor's total gradient each backward; a returned
        array replaces the gradient. Returns a function that removes the hook."""
        if not callable(fn):
            raise TypeError(f"register_hook: expected a function of the gradient, got "
                            f"{type(fn).__name__} {fn!r}")
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad, so no "
                               "gradient will ever reach the hook; hook a tensor that does")
        self._hooks = (*self._hooks, fn)

        def remove() -> None:
            hooks = list(self._hooks)
            hooks.remove(fn)  # ValueError if it was removed already
            self._hooks = tuple(hooks)

        return remove

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad = None``)."""
        self._grad = None

    def detach(self) -> Tensor:
        """A leaf with the same values and requires_grad=False, cut off from the graph.

        The values are copied: changing the detached tensor in place can then never change,
        unnoticed, an array that this tensor's graph saved for backward.
        """
        return _leaf(self._data.copy())

    # ----- running ops (used by the methods of TensorMath and TensorNumpy) -----
    def _apply(self, op: type[Function], *others: Any, **params: Any) -> Tensor:
        return apply(op, self, *others, **params)

    def _rapply(self, op: type[Function], other: Any) -> Tensor:
        return apply(op, other, self)  # self is the right operand: ``2 - t``

    @staticmethod
    def apply_op(op: type[Function], *inputs: Any, **params: Any) -> Tensor:
        """``tg.apply``, reachable from a tensor (``Function.apply`` calls it)."""
        return apply(op, *inputs, **params)

    # by identity, as for any object: tensors are dict keys, while == compares values
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(", threshold=20)
        extra = [f"name={self.name!r}"] if self.name else []
        if self._data.dtype != np.float64:
            extra.append(f"dtype={self._data.dtype}")
        if self._fn is not None:
            extra.append(f"op={self.op!r}")
        if self.requires_grad:
            extra.append("requires_grad=True")
        return f"Tensor({', '.join([body, *extra])})"


def apply(op: type[Function], *inputs: Any, **params: Any) -> Tensor:
    """Run ``op`` forward on the inputs' arrays and, if any input requires grad, record it.

    Non-Tensor inputs (numbers, arrays) are constants; a Python number takes the dtype of the
    first tensor input so float32 work stays float32.
    """
    tensors = [x if isinstance(x, Tensor) else _constant(x, inputs) for x in inputs]
    arrays = [t._data for t in tensors]
    fn = op()
    out = fn.forward(*arrays, **params)
    if type(out) is not np.ndarray or out.dtype not in FLOATS:  # numpy scalars, ints, lists
        out = to_array(out, copy=False, what=f"forward of '{fn.name}'")
    if is_anomaly_enabled():
        guards.check_forward(fn, arrays, out)
    result = _leaf(out)
    result._base = _view_base(out, tensors)
    if is_grad_enabled() and any(t.requires_grad for t in tensors):
        fn.needs_input_grad = tuple(t.requires_grad for t in tensors)
        fn.versions = (*(t.version for t in tensors), result.version)
        fn.params = params  # so the op can be re-run (gradcheck.locate) and shown
        result.requires_grad, result._fn, result._parents = True, fn, tuple(tensors)
    return result


def _init(t: Tensor, data: np.ndarray, requires_grad: bool) -> None:
    t._data, t._grad, t.requires_grad, t.name = data, None, requires_grad, None
    t._fn, t._parents, t._version, t._base = None, (), 0, None
    t._hooks, t._retain_grad, t._is_mask = (), False, False


def _leaf(data: np.ndarray) -> Tensor:
    """A tensor around an array we already own (no checks, no copy)."""
    t = Tensor.__new__(Tensor)
    _init(t, data, False)
    return t


def _constant(x: Any, inputs: tuple[Any, ...]) -> Tensor:
    """A non-Tensor operand as a constant leaf; a Python number takes the dtype of the first
    tensor operand, so that float32 work stays float32."""
    like = None
    if isinstance(x, (int, float, np.number)):
        like = next((t._data.dtype for t in inputs if isinstance(t, Tensor)), None)
    return _leaf(to_array(x, like, copy=False))


def _view_base(out: np.ndarray, inputs: list[Tensor]) -> Tensor | None:
    """The tensor whose memory ``out`` shares (reshape and transpose return numpy views), so
    that both count in-place changes together; None for an array of its own."""
    owner = out if out.base is None else out.base
    for t in inputs:
        if t._data is owner or t._data.base is owner:
            return t if t._base is None else t._base
    return None
