"""What a check says: ``Feedback``, a list of findings in words, and ``compare``, which turns
"these two arrays differ" into the likely mistake (a sign, a factor, a missing sum, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Feedback", "Report", "as_array", "attempt", "compare", "fmt"]


@dataclass
class Feedback:
    """The verdict of a check: ``passed``, and ``findings``, one sentence each ("✓ ..." for
    what is right, "✗ ..." for what is wrong). Truthy when passed; prints as a short report,
    and shows the same in a notebook."""

    exercise: str
    passed: bool
    findings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "correct" if self.passed else "not yet"
        return "\n".join([f"{self.exercise}: {verdict}"] + [f"  {f}" for f in self.findings])

    __repr__ = __str__


class Report:
    """Collects findings while a check runs: ``ok(...)``, ``wrong(...)``, then ``done()``."""

    def __init__(self, exercise: str) -> None:
        self.exercise = exercise
        self.findings: list[str] = []
        self.failed = False

    def ok(self, message: str) -> None:
        self.findings.append(f"✓ {message}")

    def wrong(self, message: str) -> None:
        self.findings.append(f"✗ {message}")
        self.failed = True

    def verdict(self, problem: str | None, right: str) -> None:
        """``wrong(problem)`` if there is one, else ``ok(right)``."""
        if problem:
            self.wrong(problem)
        else:
            self.ok(right)

    def done(self) -> Feedback:
        return Feedback(self.exercise, not self.failed, self.findings)


def fmt(value: Any) -> str:
    """A number or small array in a few digits, as a sentence shows it."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return f"{float(a):.4g}"
    return np.array2string(a, precision=4, separator=", ", suppress_small=True)


def attempt(report: Report, what: str, fn: Callable[[], Any]) -> tuple[bool, Any]:
    """Run the learner's code; an exception becomes a finding instead of a traceback."""
    try:
        return True, fn()
    except Exception as e:
        report.wrong(f"{what} raised {type(e).__name__}: {e}")
        return False, None


def as_array(value: Any) -> np.ndarray | None:
    """The learner's answer as a float array (a Tensor's data), or None if it is not numbers."""
    data = getattr(value, "data", value)  # a Tensor's array, or the value itself
    try:
        a = np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        return None
    return a


def compare(name: str, got: Any, expected: np.ndarray, *, where: Callable[[int], str],
            batch: int | None = None, rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """None if ``got`` equals ``expected``; else one sentence naming the likely mistake.

    ``where(i)`` describes flat position i (e.g. "x = -2"); ``batch`` is the number of
    samples, to recognise a gradient that was not summed (or was averaged) over the batch.
    """
    a = as_array(got)
    if got is None or a is None:
        return f"{name} is {type(got).__name__}, not an array of numbers"
    if a.shape != expected.shape:
        hint = ""
        if batch is not None and a.shape == (batch, *expected.shape):
            hint = (f": you forgot to sum over the batch (the {batch} samples share it, so "
                    "their gradients add up)")
        elif a.ndim == 2 and a.shape == expected.shape[::-1]:
            hint = ": it is transposed (a gradient has the shape of what it is the gradient of)"
        return f"{name} has shape {a.shape}, expected {expected.shape}{hint}"
    if not np.all(np.isfinite(a)):
        return f"{name} holds nan or inf: {fmt(a)}"
    close = np.isclose(a, expected, rtol=rtol, atol=atol)
    if close.all():
        return None
    one = expected.size == 1
    values = f": {fmt(a.reshape(()))}, expected {fmt(expected.reshape(()))}" if one else ""
    if not np.any(a):
        return f"{name} is zero{values}" if one else f"{name} is all zeros"
    if np.allclose(a, -expected, rtol=rtol, atol=atol):
        return (f"{name} has the wrong sign{'' if one else ' everywhere'}{values} (check the "
                "sign of each factor)")
    flipped = ~close & (np.sign(a) == -np.sign(expected)) & (expected != 0)
    if flipped.any() and not one:
        i = int(np.flatnonzero(flipped)[0])
        return (f"{name} has the wrong sign at {where(i)}: {fmt(a.flat[i])}, expected "
                f"{fmt(expected.flat[i])}")
    nonzero = np.abs(expected) > atol
    if nonzero.any():
        ratio = a[nonzero] / expected[nonzero]
        factor = float(ratio[0])
        # one number is always some multiple of another: say so only for a telling factor
        telling = not one or (factor != 0 and (np.isclose(factor, round(factor)) or
                                               np.isclose(1 / factor, round(1 / factor))))
        if np.allclose(ratio, factor, rtol=1e-6) and telling:
            hint = ""
            if batch is not None and np.isclose(factor, batch):
                hint = f": divide by N = {batch} (the loss is a mean of N terms)"
            elif batch is not None and np.isclose(factor, 1 / batch):
                hint = f": sum over the {batch} samples, do not average"
            return (f"{name} is {factor:.4g} times the right value"
                    f"{'' if one else ' everywhere'}{hint}")
    if one:
        return f"{name} is wrong{values}"
    i = int(np.argmax(np.abs(a - expected)))
    return f"{name} is wrong at {where(i)}: {fmt(a.flat[i])}, expected {fmt(expected.flat[i])}"
