"""The table a failed gradient check prints: one row per wrong entry, worst first.

>>> print(table([Mismatch("input 0 (2,)", "(1,)", "()", -0.5, 0.5, 99.0)], show_output=False))
  checked       index      analytic     numerical     abs err   rel err
  input 0 (2,)   (1,)          -0.5           0.5           1         2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_ROWS = 8  # enough to see the pattern; all rows stay in GradcheckError.mismatches


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
