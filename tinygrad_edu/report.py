"""The rules gradient checks share (f returns a Tensor; when an entry counts as wrong), and
the table a failed check prints, worst first.

>>> print(table([Mismatch("input 0 (2,)", "(1,)", "()", -0.5, 0.5, 99.0)], show_output=False))
  checked       index      analytic     numerical     abs err   rel err
  input 0 (2,)   (1,)          -0.5           0.5           1         2
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .tensor import Tensor

MAX_ROWS = 8  # enough to see the pattern; all rows stay in GradcheckError.mismatches


class Checked:
    """``f``, checked at every call to return a Tensor (the value whose gradient is taken);
    ``largest`` is the largest finite |value| it has returned, the size of f that rounding
    errors of its central differences scale with (see ``rounding_floor``)."""

    def __init__(self, caller: str, f: Callable[..., Any]) -> None:
        self.caller, self.f, self.largest = caller, f, 0.0

    def __call__(self, *args: Any) -> Tensor:
        out = self.f(*args)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{self.caller}: f must return a Tensor (the value whose gradient is checked), "
                f"got {type(out).__name__}; does f miss a `return`, or compute with .data or "
                "numpy?"
            )
        self.largest = max(self.largest, magnitude(out.data))
        return out


def magnitude(values: np.ndarray) -> float:
    """The largest finite |value| (0 when there is none)."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size else 0.0


# Why the absolute tolerance shrinks with the gradient, and how far.
# A fixed atol cannot see a rule that is wrong by less than itself: with atol = 1e-5,
# f = 1e-6·x² (gradients ~1e-6) passed with its rule's sign flipped or set to zero. So atol
# is scaled by the size s = max|numerical| of the gradient checked (atol·s, never above atol):
# the error of a central difference (f(x+h) - f(x-h)) / 2h scales with f, like s.
# Two terms of that error do not vanish with s, so the scaling stops at each:
# - rounding of the values of f: each is off by a few units in the last place of |f|, so
#   their difference over 2h is off by k·2⁻⁵²·|f|/h. Floor: that, with k = ROUNDINGS = 64
#   (a few dozen roundings inside f, or mild cancellation) and |f| the largest value seen:
#   for |f| ~ 1 and h = 1e-6, 1.4e-8 (the typical error is 2e-10; e.g. softmax summed).
# - rounding of x ± h itself and Taylor's h²|f‴|/6, which at a stationary point (f' = 0, so
#   s = 0) leave |f''|·2⁻⁵²·|x| + h²|f‴|/6, ~1e-13 for |x| <= 3 and |f''|, |f‴| <= 100.
#   Floor: s is taken as at least MIN_SCALE = 1e-3, so atol shrinks 1000x at most (1e-8 for
#   the default atol). A sign flip (error 2|f'|) is then caught wherever |f'| > 5e-9, a
#   rule that returns zeros wherever |f'| > 1e-8: f = 1e-6·x² is caught for |x| > 5e-3.
ROUNDINGS = 64
MIN_SCALE = 1e-3


def rounding_floor(size_of_f: float, eps: float) -> float:
    """The rounding error that central differences (step ``eps``) of an f whose values are
    at most ``size_of_f`` in magnitude (at the points evaluated) may carry."""
    return ROUNDINGS * float(np.finfo(np.float64).eps) * size_of_f / eps


def scaled_atol(numerical: np.ndarray, atol: float, floor: float) -> float:
    """``atol`` for a gradient whose central differences are ``numerical``:
    ``min(atol, atol·max(s, MIN_SCALE) + floor)`` with s = max|numerical|.

    >>> scaled_atol(np.array([2.0, -4.0]), atol=1e-5, floor=0.0)
    1e-05
    >>> float(f"{scaled_atol(np.array([2e-2, -4e-2]), atol=1e-5, floor=0.0):.3g}")
    4e-07
    """
    return min(atol, atol * max(magnitude(numerical), MIN_SCALE) + floor)


def allowed_error(numerical: np.ndarray, atol: float, rtol: float, floor: float) -> np.ndarray:
    """The largest ``|analytic - numerical|`` that passes, per entry:
    ``scaled_atol(numerical, atol, floor) + rtol·|numerical|``."""
    allowed: np.ndarray = scaled_atol(numerical, atol, floor) + rtol * np.abs(numerical)
    return allowed


@dataclass(frozen=True)
class Mismatch:
    """One gradient entry that failed: where it is and both values.

    ``excess`` is how many times over its tolerance the entry is (sorts worst first)."""

    checked: str  # which tensor, e.g. "input 0 'w' (2, 3)"
    index: str  # the element of that tensor, e.g. "(1, 2)", or "direction 0"
    output: str  # the output element (full Jacobian of a non-scalar f)
    analytic: float
    numerical: float
    excess: float

    @property
    def abs_err(self) -> float:
        """|analytic - numerical|."""
        return abs(self.analytic - self.numerical)

    @property
    def rel_err(self) -> float:
        """|analytic - numerical| / |numerical| (inf where numerical is 0)."""
        return self.abs_err / abs(self.numerical) if self.numerical else float("inf")


def table(rows: Sequence[Mismatch], *, show_output: bool) -> str:
    """The first ``MAX_ROWS`` rows as aligned text (rows already sorted worst first)."""
    width = max([len("checked")] + [len(r.checked) for r in rows])
    iw = max([len("index")] + [len(r.index) for r in rows])
    ow = max([len("output")] + [len(r.output) for r in rows])
    head = f"  {'checked':<{width}}  {'index':>{iw}}"
    head += f"  {'output':>{ow}}" if show_output else ""
    head += f"  {'analytic':>12}  {'numerical':>12}  {'abs err':>10}  {'rel err':>8}"
    lines = [head]
    for r in rows[:MAX_ROWS]:
        line = f"  {r.checked:<{width}}  {r.index:>{iw}}"
        line += f"  {r.output:>{ow}}" if show_output else ""
        line += (f"  {r.analytic:>12.6g}  {r.numerical:>12.6g}  {r.abs_err:>10.3g}  "
                 f"{r.rel_err:>8.3g}")
        lines.append(line)
    if len(rows) > MAX_ROWS:
        lines.append(f"  ... and {len(rows) - MAX_ROWS} more")
    return "\n".join(lines)
