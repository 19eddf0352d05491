"""``Tensor``: an array that remembers the operation that made it, and ``apply``.

``apply(Op, *inputs)`` runs an op's forward on the inputs' arrays and, when some input
requires grad, records the op on the result: its ``_fn`` (whose ``vjp`` is the gradient rule)
and its ``_parents`` (the inputs). ``backward()`` walks those links in reverse (engine.py).
The math methods (``+``, ``@``, ``.sum()``, ...) are one line each, in tensor_math.py; the
numpy-like behaviour (comparisons, ``float(t)``, ``np.exp(t)``) is in tensor_numpy.py.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable
from operator import attrgetter
from typing import Any, final

import numpy as np

from . import engine, guards, versions
from .arrays import FLOATS, to_array
from .function import Function
from .graph import Hook, add_hook
from .modes import mode, refuse_while_compiling
from .tensor_math import TensorMath
from .tensor_numpy import TensorNumpy
from .versions import Versioned


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
                 "_version", "_changed_at", "_base", "_views", "_hooks", "_retain_grad", "_is_mask",
                 "__weakref__")
    _data: np.ndarray
    _grad: np.ndarray | None
    requires_grad: bool
    name: str | None
    _fn: Function | None  # the op that made this tensor (None: a leaf)
    _parents: tuple[Tensor, ...]  # that op's inputs
    _version: int  # in-place changes of the values so far
    _changed_at: int  # versions.CHANGES.count at the latest of them (0: none yet)
    _base: Versioned | None  # the tensor whose memory this one is a view of (reshape, ...)
    _views: dict[int, weakref.ref[Versioned]] | None  # the live views of this one's memory
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
        if mode.get().compiling:  # the check inline: .data is read on every update
            refuse_while_compiling("t.data")
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        new = value is not self._data  # `t.data = ...`, not `t.data -= 1` (numpy in place)
        if new and not (isinstance(value, np.ndarray) and value.dtype in FLOATS):
            value = to_array(value, self._data.dtype)
        versions.count_change(self)  # values backward saved may be stale now
        if new and self._base is not None:  # no longer a view of its base's memory
            versions.unlink_view(self)
        self._data = value

    @property
    def version(self) -> int:
        """How many times the values were changed in place. A change through any view of the
        same memory (``t.reshape(...)``, ``t.T``) counts for all of them, as numpy's views
        share their values."""
        return self._version

    # the array's own, read in C (attrgetter): the engine reads .shape of every tensor
    shape = property(attrgetter("_data.shape"), doc="The shape, a tuple of ints.")
    ndim = property(attrgetter("_data.ndim"), doc="The number of axes.")
    dtype = property(attrgetter("_data.dtype"), doc="float64 (default) or float32.")
    size = property(attrgetter("_data.size"), doc="The number of elements.")

    # ----- the graph -----
    @property
    def op(self) -> str | None:
        """Name of the operation that produced this tensor; None for a leaf."""
        return None if self._fn is None else self._fn.name

    fn = property(attrgetter("_fn"), doc="The recorded operation (a ``Function``: ``.params``, "
                  "``.rule``, ``.name``); None for a leaf.")

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
            value = guards.check_grad(self, value.data if isinstance(value, Tensor) else value)
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
        return add_hook(self, fn)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad = None``)."""
        self._grad = None

    def detach(self) -> Tensor:
        """A leaf with the same values and requires_grad=False, cut off from the graph.

        The values are copied: changing the detached tensor in place can then never change,
        unnoticed, an array that this tensor's graph saved for backward.
        """
        refuse_while_compiling("t.detach()")
        leaf = _leaf(self._data.copy())
        leaf._is_mask = self._is_mask
        return leaf

    # ----- running ops (used by the methods of TensorMath and TensorNumpy) -----
    def _apply(self, op: type[Function], *others: Any, **params: Any) -> Tensor:
        return apply(op, self, *others, **params)

    def _rapply(self, op: type[Function], other: Any) -> Tensor:
        return apply(op, other, self)  # self is the right operand: ``2 - t``

    def _same_kind(self, moved: Tensor) -> Tensor:
        """``moved`` holds self's values, moved: a mask reshaped or indexed is still a mask."""
        moved._is_mask = self._is_mask
        return moved

    @staticmethod
    def apply_op(op: type[Function], *inputs: Any, **params: Any) -> Tensor:
        """``tg.apply``, reachable from a tensor (``Function.apply`` calls it)."""
        return apply(op, *inputs, **params)

    # by identity, as for any object: tensors are dict keys, while == compares values
    __hash__ = object.__hash__


def apply(op: type[Function], *inputs: Any, **params: Any) -> Tensor:
    """Run ``op`` forward on the inputs' arrays and, if any input requires grad, record it.

    Non-Tensor inputs (numbers, arrays) are constants; a Python number takes the dtype of the
    first tensor input so float32 work stays float32.
    """
    # one pass over the inputs collects what forward and the recording need
    tensors, arrays, needs = [], [], []
    for x in inputs:
        t = x if isinstance(x, Tensor) else _constant(x, inputs)
        tensors.append(t)
        arrays.append(t._data)
        needs.append(t.requires_grad)
    fn = op()
    out = fn.forward(*arrays, **params)
    if type(out) is not np.ndarray or out.dtype not in FLOATS:  # numpy scalars, ints, lists
        out = to_array(out, copy=False, what=f"forward of '{fn.name}'")
    switches = mode.get()
    if switches.anomaly:
        guards.check_forward(fn, arrays, out)
    result = Tensor.__new__(Tensor)
    _init(result, out, False)
    if out.base is not None:  # numpy returned a view (reshape, transpose): maybe of an input
        versions.link_view(result, out.base, tensors)
    if switches.grad and True in needs:
        fn.needs_input_grad = tuple(needs)
        fn.changes_before = versions.CHANGES.count  # saved values are stale after a change
        fn.params = params  # so the op can be re-run (gradcheck.locate) and shown
        result.requires_grad, result._fn, result._parents = True, fn, tuple(tensors)
    return result


def _leaf(data: np.ndarray) -> Tensor:
    """A tensor around an array we already own (no checks, no copy)."""
    t = Tensor.__new__(Tensor)
    _init(t, data, False)
    return t


def _init(t: Tensor, data: np.ndarray, requires_grad: bool) -> None:
    t._data, t._grad, t.requires_grad, t.name = data, None, requires_grad, None
    t._fn, t._parents, t._version, t._changed_at, t._base, t._views = None, (), 0, 0, None, None
    t._hooks, t._retain_grad, t._is_mask = (), False, False


def _constant(x: Any, inputs: tuple[Any, ...]) -> Tensor:
    """A non-Tensor operand as a constant leaf; a Python number takes the dtype of the first
    tensor operand, so that float32 work stays float32."""
    like = None
    if isinstance(x, (int, float, np.number)):
        like = next((t._data.dtype for t in inputs if isinstance(t, Tensor)), None)
    # a copy of an array: changing it before backward must not change what forward saw
    return _leaf(to_array(x, like, copy=isinstance(x, np.ndarray)))
