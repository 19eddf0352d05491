"""``tg.compile``: record a training step once, then replay it as straight-line Python.

An eager step builds its graph again on every call: an op object and a Tensor per operation,
a topological sort per backward. But a training step runs the same operations every time,
only on new numbers. So ``tg.compile(fn)`` runs ``fn`` once, eagerly, keeps the op objects it
made, and writes the step out as a Python function (``step.source``): each op's own
``forward`` in order, then each op's own ``vjp`` from the loss back, in the order the engine
ran them, each gradient summed back to its input's shape, the parameters' shares added into
their ``.grad``. Later calls run that function on the new arguments: the same rules, the
same order, the same bits as eager, without building a graph.

    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([0.5, -1.0], requires_grad=True, name="w")
    >>> @tg.compile
    ... def step(x):
    ...     return ((x * w).sum() - 1.0) ** 2
    >>> step(np.array([1.0, 2.0]))          # the first call runs eagerly and records
    array(6.25)
    >>> w.grad                              # dL/dw = 2 (x·w - 1) x, accumulated as in eager
    array([ -5., -10.])
    >>> float(step(np.array([2.0, 0.0])))  # a replay: new data, the recorded ops
    0.0

The arguments are the step's data, new on each call (tensors, arrays or numbers; they need no
gradient). The tensors with ``requires_grad=True`` that the function reads (a model's weights,
through a closure) are the parameters: a replay reads their current values, so optimizers
work unchanged. Every other operand is a constant (``step.constants``). The function returns
the loss, or ``(loss, *more)``; the compiled step returns the same as numpy arrays.

What a replay could not reproduce is refused while recording, with an error saying why:
reading values (``.item()``, ``.data``, ``if t > 0``, ...), ``no_grad``, ``detach``, in-place
changes, hooks, ``retain_grad``, ``detect_anomaly``, and a function whose results change when
it runs again on the same inputs (randomness, hidden state). New argument shapes or dtypes
record again, with a ``RecompileWarning``. The first replay of each recording, and with
``check=k`` every k-th call, also runs the function eagerly and compares every bit.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .compile_record import run_eagerly, trace
from .compile_replay import Key, Replay, as_data, compare, refuse_call, shapes, values
from .modes import mode
from .tensor import Tensor

_FLOAT64 = np.dtype(np.float64)  # the dtype object of every native float64 array
MAX_RECORDINGS = 16  # per compiled step: beyond it the least recently recorded is forgotten


class RecompileWarning(UserWarning):
    """A compiled step met arguments of new shapes or dtypes (or a changed constant or
    parameter) and recorded itself again."""


class CompiledStep:
    """A step function compiled by ``tg.compile``; call it like the function."""

    def __init__(self, fn: Callable[..., Any], check: int | None = None, *,
                 warn: bool = True) -> None:
        functools.update_wrapper(self, fn)
        self.fn, self.check, self._warn = fn, check, warn
        self.name = getattr(fn, "__name__", type(fn).__name__)
        self._positional = _argument_names(fn)
        self._replays: dict[Key, Replay] = {}
        self._last: Replay | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        now = mode.get()
        if kwargs or now.anomaly or not now.grad or now.compiling is not None:
            refuse_call(self.name, kwargs)
        arrays: list[np.ndarray] = []
        for a in args:  # a loop, not a comprehension, and the two common cases first: the
            if type(a) is Tensor and not a.requires_grad:  # check runs on every call
                a = a._data
            elif type(a) is not np.ndarray or a.dtype is not _FLOAT64:
                a = as_data(self.name, len(arrays), a)
            arrays.append(a)
        replay = self._last
        if replay is None or not replay.fits(*arrays):
            replay, outputs = self._other(arrays)
            if replay is None:
                return outputs
        replay.calls += 1
        if replay.calls == replay.next_check:
            replay.next_check = replay.calls + replay.every if replay.every else 0
            return self._checked(replay, arrays)
        return replay.run(*arrays)

    def _other(self, arrays: list[np.ndarray]) -> tuple[Replay | None, Any]:
        """The recording for these arguments if one still holds, else (None, the outputs of a
        new recording)."""
        key = tuple((a.shape, a.dtype) for a in arrays)
        replay = self._replays.get(key)
        if replay is None:
            new = f"new argument shapes or dtypes ({shapes(key)})" if self._replays else None
            return None, self._record(key, arrays, new)
        reason = replay.changed()
        if reason is not None:
            return None, self._record(key, arrays, reason)
        self._last = replay
        return replay, None

    def _record(self, key: Key, arrays: list[np.ndarray], why: str | None) -> Any:
        if why is not None and self._warn:
            n = len(self._replays) + (key not in self._replays)
            kept = f"{n} recordings cached" if n <= MAX_RECORDINGS else \
                f"{MAX_RECORDINGS} recordings cached, the oldest one forgotten"
            warnings.warn(f"tg.compile: '{self.name}' records itself again: {why} ({kept}, at "
                          f"most {MAX_RECORDINGS})", RecompileWarning, stacklevel=4)  # user's call
        t = trace(self.fn, self.name, arrays, self._input_names(len(arrays)))
        replay = Replay(t, key, _identifier(self.name), self.check)
        self._replays.pop(key, None)
        self._replays[key] = replay
        if len(self._replays) > MAX_RECORDINGS:
            del self._replays[next(iter(self._replays))]
        self._last = replay
        return values(t.outputs)

    def _checked(self, replay: Replay, arrays: list[np.ndarray]) -> Any:
        """Replay, then run the function eagerly from the same ``.grad``; compare every bit."""
        before = [None if p._grad is None else p._grad.copy() for p in replay.params]
        got = replay.run(*arrays)
        replayed = [p._grad for p in replay.params]
        for p, g in zip(replay.params, before, strict=True):
            p._grad = g
        _, outputs = run_eagerly(self.fn, self.name, arrays, self._input_names(len(arrays)),
                                 mark_inputs=False)
        outputs[0].backward()
        compare(self.name, replay, got, replayed, outputs)
        return values(outputs)

    def _input_names(self, n: int) -> list[str]:
        return [*self._positional[:n], *(f"arg{i}" for i in range(len(self._positional), n))]

    # ----- what the recording shows -----
    def _latest(self) -> Replay:
        if self._last is None:
            raise RuntimeError(f"tg.compile: '{self.name}' has not been called yet; call it "
                               "once (it records on its first call), then look again")
        return self._last

    @property
    def source(self) -> str:
        """The Python code a call runs now: the recorded step written out, line by line."""
        return self._latest().source

    @property
    def constants(self) -> dict[str, np.ndarray]:
        """The values the step uses that are neither arguments nor parameters, by their
        name in ``source`` (numbers in the code, tensors that do not require grad)."""
        return dict(self._latest().constants)

    @property
    def parameters(self) -> list[Tensor]:
        """The tensors whose ``.grad`` a call accumulates."""
        return list(self._latest().params)

    @property
    def recordings(self) -> int:
        """How many recordings (one per combination of argument shapes) are cached."""
        return len(self._replays)

    def __repr__(self) -> str:
        return f"<tg.compile of {self.name}: {self.recordings} recording(s)>"


def compile(fn: Callable[..., Any] | None = None, *, check: int | None = None) -> Any:
    """Record ``fn`` (a function of the step's data returning the loss) on its first call and
    replay it after that: ``step = tg.compile(fn)``, ``@tg.compile`` or
    ``@tg.compile(check=100)``. Each call returns the loss as a numpy array and accumulates
    the gradients into ``.grad`` of the parameters, as ``loss.backward()`` would.

    ``check``: None (default) compares the first replay of each recording with an eager run,
    bit for bit; ``k`` also every k-th call after it; 0 never. A difference raises
    ``RuntimeError``. See the module docstring and docs/compile.md.
    """
    if check is not None and (type(check) is not int or check < 0):
        raise TypeError(f"tg.compile: check must be None or a whole number >= 0 (every k-th "
                        f"call is checked, 0: never), got {check!r}")
    if fn is None:
        return lambda f: compile(f, check=check)
    if not callable(fn):
        raise TypeError(f"tg.compile: expected the step function, got {type(fn).__name__}")
    return CompiledStep(fn, check)


def _argument_names(fn: Callable[..., Any]) -> list[str]:
    """The names of fn's positional parameters (they name the arrays in ``step.source``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin or a callable without a signature
        return []
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _identifier(name: str) -> str:
    return name if name.isidentifier() else "step"


def fit_step(model: Callable[[Any], Tensor], loss_fn: Callable[[Any, Any], Tensor],
             optimizer: Any) -> Callable[[Tensor, Tensor], tuple[Any, Tensor]]:
    """``fit(compile=True)``'s batch step: zero the gradients, then predict, compare and
    backward in one replay; returns the loss (a 0-d array) and the predictions (a tensor)."""
    def train_step(x: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
        y = model(x)
        return loss_fn(y, t), y

    step = CompiledStep(train_step, warn=False)  # a smaller last batch: one more recording

    def run(x: Tensor, t: Tensor) -> tuple[Any, Tensor]:
        optimizer.zero_grad()  # a step's gradients accumulate: start each batch from none
        loss, y = step(x, t)
        return loss, Tensor(y)
    return run
