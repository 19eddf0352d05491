"""Switches that change how ops behave: grad mode (``no_grad``) and anomaly mode.

The switches live in one ``contextvars.ContextVar``, so they belong to the thread (or
asyncio task) that set them: a ``no_grad`` block in one thread never stops another thread
from recording.
Every entry into a block remembers what it found and its exit restores exactly that, so
blocks nest, a decorated function may call itself, and one instance can be reused.

>>> import tinygrad_edu as tg
>>> w = tg.Tensor([1.0], requires_grad=True)
>>> with tg.no_grad():
...     (w * 2).requires_grad
False
>>> (w * 2).requires_grad
True
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Generator, Iterator
from contextvars import ContextVar
from typing import Any, NamedTuple, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


class Mode(NamedTuple):
    """The switches of one thread (context), read by ``apply`` once per op: ``mode.get()``.

    ``outer`` is the mode to go back to when the innermost open block exits: the record is
    also the stack of open blocks, so each exit restores exactly what its entry found.
    """

    grad: bool = True  # record the graph? (off inside no_grad)
    anomaly: bool = False  # stop at the first NaN or inf? (on inside detect_anomaly)
    outer: Mode | None = None
    numpy_settings: Any = None  # numpy's error settings, saved by detect_anomaly
    compiling: str | None = None  # the name of the step tg.compile is recording, if any


OUTSIDE_EVERY_BLOCK = Mode()
mode: ContextVar[Mode] = ContextVar("tinygrad_edu.mode", default=OUTSIDE_EVERY_BLOCK)


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` (in this thread / context)."""
    return mode.get().grad


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` (in this thread / context)."""
    return mode.get().anomaly


#: why work that is not recorded is refused while recording
NOT_RECORDED = ("what runs in it is not recorded, so every replay would reuse this call's "
                "values; compute it outside the compiled function and pass it as an argument")
#: why reading values while recording is refused (the default reason of the check below)
VALUE_READ = ("a compiled step replays only the recorded tensor operations, without running "
              "your Python code again, so a value read now (for an `if`, a print, a Python "
              "number, a numpy computation) would stay frozen at this call's numbers. Return "
              "the tensor from the step and read it after the call, or compute it outside the "
              "compiled function")


@contextlib.contextmanager
def recording_step(name: str) -> Iterator[None]:
    """Inside: ``tg.compile`` is recording the step ``name`` (reading values is refused)."""
    token = mode.set(mode.get()._replace(compiling=name))
    try:
        yield
    finally:
        mode.reset(token)


def refuse_while_compiling(what: str, why: str = VALUE_READ) -> None:
    """Raise if ``tg.compile`` is recording a step: called where values leave the graph
    (``t.item()``, ``t.data``, comparisons, ...) and where work would not be recorded."""
    step = mode.get().compiling
    if step is not None:
        raise RuntimeError(f"tg.compile: {what} while recording the step '{step}': {why}")


class _Switch:
    """A ``with`` block (also a decorator) that sets a switch and restores it on exit."""

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        # ``@tg.no_grad`` without parentheses: Python calls no_grad(func); decorate it
        self = object.__new__(cls)
        return self if func is None else self(func)

    def _inside(self, outside: Mode) -> Mode:
        """The mode inside the block, given the mode outside it."""
        raise NotImplementedError

    def __enter__(self) -> None:
        outside = mode.get()
        mode.set(self._inside(outside))

    def __exit__(self, *exc: object) -> None:
        mode.set(mode.get().outer or OUTSIDE_EVERY_BLOCK)

    def __call__(self, func: F) -> F:
        if not callable(func):
            raise TypeError(f"{type(self).__name__}: decorates a function, got {func!r}")
        switch = type(self)
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
                return (yield from _each_step_inside(switch, func(*args, **kwargs)))
            return generator  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with switch():
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]


def _each_step_inside(switch: type[_Switch], gen: Generator[Any, Any, Any]
                      ) -> Generator[Any, Any, Any]:
    """Run ``gen`` with the switch on while it runs, and as the caller has it while it is
    paused at a ``yield``: the caller's code between two ``next()`` calls is not affected."""
    send: Callable[[Any], Any] = gen.send
    value: Any = None
    while True:
        try:
            with switch():
                out = send(value)
        except StopIteration as stop:
            return stop.value
        try:
            value, send = (yield out), gen.send
        except GeneratorExit:
            with switch():
                gen.close()
            raise
        except Exception as e:
            value, send = e, gen.throw


class no_grad(_Switch):
    """Record no graph inside the block (or the decorated function): for inference and updates.

    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> with tg.no_grad():
    ...     w -= 0.1 * w.grad          # an update in place: w stays the same leaf
    >>> w.data
    array([0.8, 1.6])
    """

    def _inside(self, outside: Mode) -> Mode:
        if outside.compiling:
            refuse_while_compiling("no_grad()", NOT_RECORDED)
        return Mode(False, outside.anomaly, outside, None, outside.compiling)


class enable_grad(_Switch):
    """Record the graph even inside ``no_grad`` (gradcheck uses it: a check needs backward)."""

    def _inside(self, outside: Mode) -> Mode:
        return Mode(True, outside.anomaly, outside, None, outside.compiling)


class detect_anomaly(_Switch):
    """Raise ``FloatingPointError`` at the first op whose forward or backward makes NaN or inf.

    Also a debug mode for in-place writes: ops recorded inside the block keep a checksum of
    their arrays, and a backward inside the block raises ``RuntimeError`` if one changed, even
    through the array itself (``w.data[0] = 1``), which the always-on check cannot see.

    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([0.0, 1.0], requires_grad=True)
    >>> with tg.detect_anomaly():
    ...     x.log()
    Traceback (most recent call last):
    ...
    FloatingPointError: detect_anomaly: forward of 'log' produced -inf (input shapes [(2,)]); ...
    """

    def _inside(self, outside: Mode) -> Mode:
        if outside.compiling:
            refuse_while_compiling("detect_anomaly()", "a replay does not check for NaN or "
                                   "inf; call the function itself (step.fn) inside "
                                   "detect_anomaly")
        # numpy's own warning would come first (and under `-W error` be raised instead);
        # silence it so the FloatingPointError, which names the op, is what is seen.
        # np.seterr returns the settings it replaced: __exit__ restores exactly those.
        saved = np.seterr(divide="ignore", over="ignore", invalid="ignore")
        return Mode(outside.grad, True, outside, saved, outside.compiling)

    def __exit__(self, *exc: object) -> None:
        np.seterr(**(mode.get().numpy_settings or {}))
        super().__exit__(*exc)
