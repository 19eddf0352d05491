"""Check analytic gradients against numerical ones (central differences).

The derivative of f at x is the limit of (f(x + h) - f(x - h)) / 2h. With h = eps small,
that difference is a *numerical* gradient with error O(eps²) from the Taylor series plus
O(ε_machine / eps) from rounding: with float64 and eps = 1e-6 both are near 1e-10 relative,
so a rule that is off by more than ~1e-5 shows clearly. float32 (ε ≈ 1e-7) cannot do this,
so inputs must be float64.

>>> import tinygrad_edu as tg
>>> from tinygrad_edu.gradcheck import gradcheck
>>> x = tg.randn(3, 4, rng=0, requires_grad=True)
>>> gradcheck(lambda x: (x * x).sigmoid(), x)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import no_grad
from .tensor import Tensor

Func = Callable[..., Any]


class GradcheckError(AssertionError):
    """The analytic gradient of some input disagrees with central differences."""


def _as_inputs(op: str, inputs: Sequence[Any]) -> list[Tensor]:
    out = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            t = x
        else:
            arr = np.asarray(x)
            if arr.dtype.kind != "f":
                raise TypeError(f"{op}: input {i} has dtype {arr.dtype}; give float64 values "
                                "(numerical differences need real numbers)")
            t = Tensor(arr)
        if t.dtype != np.float64:
            raise TypeError(
                f"{op}: input {i} is {t.dtype}; use float64 (dtype=np.float64): with float32's "
                "7 significant digits, central differences are too noisy to trust"
            )
        out.append(t)
    return out


def _evaluate(f: Func, arrays: list[np.ndarray]) -> np.ndarray:
    """f on fresh constant tensors made from ``arrays`` (no graph), as a float64 array."""
    with no_grad():
        out = f(*[Tensor(a) for a in arrays])
    return np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)


def _numerical_jacobian(f: Func, tensors: list[Tensor], which: int, eps: float) -> np.ndarray:
    """J[o, i] = d out.flat[o] / d input.flat[i], by central differences."""
    arrays = [t.data.copy() for t in tensors]
    x = arrays[which]
    columns = []
    for i in range(x.size):
        orig = x.flat[i]
        x.flat[i] = orig + eps
        plus = _evaluate(f, arrays)
        x.flat[i] = orig - eps
        minus = _evaluate(f, arrays)
        x.flat[i] = orig
        columns.append(((plus - minus) / (2 * eps)).ravel())
    n_out = columns[0].size if columns else _evaluate(f, arrays).size
    return np.stack(columns, axis=1) if columns else np.zeros((n_out, 0))


def numerical_grad(f: Func, *inputs: Any, eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference gradient of ``f(*inputs)`` (summed if not a scalar), per input.

    >>> import tinygrad_edu as tg
    >>> [g] = numerical_grad(lambda x: x * x, tg.Tensor([3.0]))
    >>> round(float(g[0]), 6)
    6.0
    """
    tensors = _as_inputs("numerical_grad", inputs)
    return [
        _numerical_jacobian(f, tensors, k, eps).sum(axis=0).reshape(t.shape)
        for k, t in enumerate(tensors)
    ]


def _analytic_jacobian(f: Func, tensors: list[Tensor]) -> list[np.ndarray | None]:
    """Rows of the Jacobian by backward passes, one per output element (seeded one-hot)."""
    leaves = [Tensor(t.data, t.requires_grad) for t in tensors]
    out = f(*leaves)
    if not isinstance(out, Tensor) or not out.requires_grad:
        return [np.zeros((0, t.size)) if t.requires_grad else None for t in tensors]
    rows: list[list[np.ndarray]] = [[] for _ in leaves]
    for o in range(out.size):
        seed = np.zeros(out.shape)
        seed.flat[o] = 1.0
        for leaf in leaves:
            leaf.grad = None
        out.backward(seed, retain_graph=True)
        for k, leaf in enumerate(leaves):
            g = leaf.grad if leaf.grad is not None else np.zeros(leaf.shape)
            rows[k].append(g.ravel())
    return [np.stack(r) if t.requires_grad else None for r, t in zip(rows, tensors)]


def gradcheck(f: Func, *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3) -> bool:
    """True if every input with requires_grad has an analytic gradient equal to central
    differences (over the full Jacobian when f's output is not a scalar), within
    ``|analytic - numerical| <= atol + rtol * |numerical|``; else ``GradcheckError``.
    """
    tensors = _as_inputs("gradcheck", inputs)
    analytic = _analytic_jacobian(f, tensors)
    for k, t in enumerate(tensors):
        a = analytic[k]
        if a is None:
            continue
        n = _numerical_jacobian(f, tensors, k, eps)
        if a.shape != n.shape:
            a = np.zeros_like(n) if a.size == 0 else a
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        if bad.any():
            raise GradcheckError(_report(k, t, a, n, bad))
    return True


def _report(k: int, t: Tensor, a: np.ndarray, n: np.ndarray, bad: np.ndarray) -> str:
    """A table of the worst mismatches, worst first."""
    err = np.where(bad, np.abs(a - n), -1.0)
    order = np.argsort(err, axis=None)[::-1][: min(8, int(bad.sum()))]
    label = f"input {k}" + (f" ({t.name!r})" if t.name else "") + f", shape {t.shape}"
    lines = [
        f"gradcheck: the gradient of {label} is wrong at {int(bad.sum())} of {bad.size} "
        "Jacobian entries; worst first:",
        f"  {'output':>8} {'input index':>14} {'analytic':>14} {'numerical':>14} "
        f"{'abs err':>10} {'rel err':>10}",
    ]
    for flat in order:
        o, i = np.unravel_index(flat, a.shape)
        idx = np.unravel_index(i, t.shape) if t.shape else ()
        av, nv = a[o, i], n[o, i]
        rel = abs(av - nv) / max(abs(nv), 1e-300)
        lines.append(f"  {o:>8} {str(tuple(int(v) for v in idx)):>14} {av:>14.8g} "
                     f"{nv:>14.8g} {abs(av - nv):>10.3g} {rel:>10.3g}")
    return "\n".join(lines)
