"""One recording of a compiled step, as ``tg.compile`` keeps it: the replay function made
from it, what it relies on (checked before each replay), and the checks against eager.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import FLOATS, to_array
from .compile_codegen import build, guard
from .compile_record import Outputs, Trace, identical
from .modes import mode, refuse_while_compiling
from .tensor import Tensor

#: the shape and dtype of each argument: one recording per key
Key = tuple[tuple[tuple[int, ...], np.dtype[Any]], ...]


class Replay:
    """One recording of a step and the function that replays it."""

    def __init__(self, t: Trace, key: Key, function_name: str, check: int | None) -> None:
        self.run, self.source, self.constants = build(t, function_name)
        self.key, self.params = key, t.params
        self.fits = guard(t, key)  # all that follows, in one fast check
        # what the recording relies on besides the arguments, read on every call
        self._params = [(p, p._data.shape, p._data.dtype) for p in t.params]
        self._constants = [(c, c._version) for c in t.constants]
        self.calls = 0
        self.next_check = 0 if check == 0 else 1  # the first replay is checked (but check=0)
        self.every = check or 0

    def changed(self) -> str | None:
        """What changed since the recording, of what it relies on, or None."""
        for p, shape, dtype in self._params:
            d = p._data
            if d.shape != shape or (d.dtype is not dtype and d.dtype != dtype) \
                    or not p.requires_grad or p._hooks:
                return (f"the parameter {label(p)} changed its shape, dtype or requires_grad, "
                        "or got a hook")
        for c, version in self._constants:
            if c._version != version or c.requires_grad:
                return f"the constant {label(c)} was changed (a new .data or requires_grad)"
        return None


def as_data(name: str, i: int, a: Any) -> np.ndarray:
    """An argument's array: a tensor's own, a float array as it is, anything else converted."""
    if type(a) is Tensor:
        if a.requires_grad:
            raise TypeError(
                f"tg.compile: argument {i} of '{name}' requires grad; the arguments are the "
                "step's data. Let the function reach its parameters itself (a model or tensors "
                "in a closure), and they get their gradients")
        return a._data
    if type(a) is np.ndarray and a.dtype in FLOATS:
        return a
    return to_array(a, copy=False, what=f"tg.compile: argument {i} of '{name}'")


def values(outputs: Outputs) -> Any:
    return outputs[0]._data if len(outputs) == 1 else tuple(o._data for o in outputs)


def shapes(key: Key) -> str:
    return ", ".join(f"{shape} {dtype}" for shape, dtype in key) or "no arguments"


def label(t: Tensor) -> str:
    return (f"'{t.name}' " if t.name else "") + f"(shape {t.shape})"


def refuse_call(name: str, kwargs: dict[str, Any]) -> None:
    if kwargs:
        raise TypeError(f"tg.compile: '{name}' was called with keyword arguments "
                        f"({', '.join(kwargs)}); a compiled step takes its data as "
                        "positional arguments")
    refuse_while_compiling(f"calling the compiled step '{name}'", "a compiled step returns "
                           "arrays, not tensors, so the step being recorded would lose its "
                           "gradient; call the function itself (step.fn) inside another step")
    if mode.get().anomaly:
        raise RuntimeError(f"tg.compile: '{name}' was called inside detect_anomaly(); a "
                           "replay does not check for NaN or inf. Call the function itself "
                           f"({name}.fn) to debug it with detect_anomaly")
    raise RuntimeError(f"tg.compile: '{name}' was called inside no_grad(); a compiled step "
                       f"always computes gradients. For values without gradients call the "
                       f"function itself ({name}.fn) under no_grad")


def _mismatch(name: str, replay: Replay, what: str) -> None:
    raise RuntimeError(
        f"tg.compile: '{name}' check at call {replay.calls + 1}: the replay and an eager run "
        f"differ in {what}. The function computes something the recording cannot replay: a "
        "value from the data that does not go through tensor ops (e.g. a tensor used as an "
        "index, numpy on .data), randomness, or state that changes between calls. Keep such "
        "work outside the compiled step, or pass it in as an argument")


def compare(name: str, replay: Replay, got: Any, replayed: Sequence[np.ndarray | None],
            outputs: Outputs) -> None:
    """Raise unless the replay's values and gradients equal the eager run's, bit for bit."""
    got = got if isinstance(got, tuple) else (got,)
    if len(got) != len(outputs):
        _mismatch(name, replay, f"how many values they return ({len(got)} replayed, "
                                f"{len(outputs)} now)")
    for k, (a, o) in enumerate(zip(got, outputs, strict=True)):
        if not identical(a, o._data):
            _mismatch(name, replay, "the loss" if k == 0 else f"returned value {k}")
    for p, a in zip(replay.params, replayed, strict=True):
        now = p._grad
        if not (a is now is None or (a is not None and now is not None and identical(a, now))):
            _mismatch(name, replay, f"the gradient of {label(p)}")
