"""Prove gradients right: compare backward's gradients with numerical ones.

The derivative of f at x is the limit of (f(x + h) - f(x - h)) / 2h. With h = eps = 1e-6 and
float64, that central difference is accurate to about 1e-10 (see ``jacobian``), so a
gradient rule that disagrees with it by more than the tolerance is wrong.

- ``numerical_grad(f, *inputs)``: the central-difference gradient of ``f``'s summed output.
- ``gradcheck(f, *inputs)``: analytic against numerical, over the full Jacobian; or, with
  ``mode="directional"``, one number ``uᵀ J v`` per random direction: cheap enough for a
  whole model (``wrt=model.parameters()``).
- ``locate(f, *inputs)``: when a check fails, which operation of the graph is to blame.

>>> import tinygrad_edu as tg
>>> from tinygrad_edu.gradcheck import gradcheck
>>> x = tg.randn(3, 4, rng=0, requires_grad=True)
>>> gradcheck(lambda x: (x * x).sigmoid(), x)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from .jacobian import (
    Backward,
    Func,
    checked_inputs,
    checked_wrt,
    directional_derivative,
    numerical_jacobian,
)
from .locate import WrongGradient, locate
from .report import Checked, Mismatch, magnitude, rounding_floor, scaled_atol, table
from .tensor import Tensor

__all__ = ["GradcheckError", "WrongGradient", "gradcheck", "locate", "numerical_grad"]


class GradcheckError(AssertionError):
    """The analytic gradient disagrees with central differences. The message is a table of
    the worst entries; ``.mismatches`` holds them all (worst first) for programs to read."""

    def __init__(self, message: str, mismatches: Sequence[Mismatch] = ()) -> None:
        super().__init__(message)
        self.mismatches = list(mismatches)


def numerical_grad(f: Func, *inputs: Any, eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences of ``f(*inputs)`` (summed when not a scalar), one array per input.

    ``grad[i] = (Σ f(x + eps eᵢ) - Σ f(x - eps eᵢ)) / 2 eps``, of each input's shape, for every
    input (whether it requires grad or not).

    >>> import tinygrad_edu as tg
    >>> [g] = numerical_grad(lambda x: x * x, tg.Tensor([3.0, -1.0]))
    >>> g.round(6)
    array([ 6., -2.])
    """
    tensors = checked_inputs("numerical_grad", inputs)
    f = Checked("numerical_grad", f)
    arrays = [t.data.copy() for t in tensors]
    return [numerical_jacobian(f, arrays, arrays[k], eps).sum(axis=0).reshape(t.shape)
            for k, t in enumerate(tensors)]


def gradcheck(f: Func, *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, mode: Literal["full", "directional"] = "full",
              wrt: Sequence[Tensor] = (), directions: int = 3,
              seed: int | np.random.Generator = 0) -> bool:
    """True if backward's gradient of ``f`` equals central differences; else ``GradcheckError``.

    Checked: every input with ``requires_grad=True`` (other inputs are constants) and every
    tensor of ``wrt``, tensors ``f`` reads by itself, e.g. ``model.parameters()`` (their
    ``.grad`` is left as it was). An entry passes when
    ``|analytic - numerical| <= atol' + rtol · |numerical|``, where ``atol'`` is ``atol`` scaled
    by the size s of the gradient checked (s = max|numerical|, by at most 1000x, never below the
    rounding error of central differences of f; ``report.py`` derives both), so a wrong rule is
    caught also where all gradients are tiny. f must return a Tensor.

    ``mode="full"``: every Jacobian entry d out[o] / d x[i] (one backward per output element,
    two evaluations of f per input element): exact, for small inputs.
    ``mode="directional"``: for ``directions`` random pairs (u, v) per checked tensor, compare
    ``uᵀ J v`` (one backward) with ``(uᵀf(x + eps v) - uᵀf(x - eps v)) / 2 eps`` (two
    evaluations): any size. It catches rules that are wrong where they are used; an error in
    a single entry of a big tensor can hide in the sum, so prefer full mode when it is cheap.

    The defaults (rtol = 1e-3) let through a rule that is off by less than 0.1 %; central
    differences in float64 are good to ~1e-8 for smooth f, so ``rtol=1e-6, atol=1e-8`` is
    a stricter check that still passes right rules away from kinks.

    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
    >>> x = tg.Tensor([1.0, 2.0])
    >>> gradcheck(lambda w, x: (w @ x).tanh(), w, x)    # x is a constant here
    True
    >>> gradcheck(lambda: ((w @ x).tanh() ** 2).sum(), wrt=[w], mode="directional")
    True
    """
    tensors = checked_inputs("gradcheck", inputs)
    params = checked_wrt("gradcheck", wrt)
    f = checked = Checked("gradcheck", f)
    labels = [_label(f"input {k}", t) for k, t in enumerate(tensors) if t.requires_grad]
    labels += [_label(f"wrt[{j}]", p) for j, p in enumerate(params)]
    if not labels:
        raise ValueError(
            "gradcheck: nothing to check: no input has requires_grad=True and wrt is empty; "
            "pass Tensor(..., requires_grad=True) for the inputs whose gradient you want checked"
        )
    if mode not in ("full", "directional"):
        raise ValueError(f"gradcheck: mode must be 'full' or 'directional', got {mode!r}")
    if not (eps > 0 and directions >= 1):  # either would make a check that checks nothing
        raise ValueError(f"gradcheck: eps must be > 0 and directions >= 1, got eps={eps}, "
                         f"directions={directions}")
    arrays = [t.data.copy() for t in tensors]
    targets = [arrays[k] for k, t in enumerate(tensors) if t.requires_grad]
    targets += [p.data for p in params]
    rows: list[Mismatch] = []
    with Backward(f, tensors, params) as backward:
        out_shape = backward.out.shape
        if mode == "full":
            analytic = backward.jacobians()
        else:
            rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
            us = [rng.standard_normal(out_shape) for _ in range(directions)]
            vs = [[rng.standard_normal(t.shape) for t in targets] for _ in range(directions)]
            seen = [backward(u) for u in us]  # uᵀJ for every checked tensor, per direction
            analytic = [np.array([[float(np.sum(seen[d][k] * vs[d][k]))
                                   for d in range(directions)]]) for k in range(len(targets))]
    hints = []
    for k, (label, target) in enumerate(zip(labels, targets, strict=True)):
        if mode == "full":
            numerical = numerical_jacobian(f, arrays, target, eps)
        else:
            numerical = np.array([[directional_derivative(f, arrays, target, vs[d][k], u, eps)
                                   for d, u in enumerate(us)]])
        # rounding grows with the values of f differenced: f's entries, or uᵀf (≤ Σ|u|·|f|)
        weight = 1.0 if mode == "full" else max(float(np.abs(u).sum()) for u in us)
        floor = rounding_floor(weight * checked.largest, eps)
        tol = scaled_atol(numerical, atol, floor)
        found = _compare(label, analytic[k], numerical, tol + rtol * np.abs(numerical),
                         target.shape, out_shape, mode)
        if found:
            rows += found
            hints.append(_hint(label, analytic[k], numerical, backward.recorded))
            if any(r.abs_err <= atol + rtol * abs(r.numerical) for r in found):
                hints.append(f"note: the gradient of {label} is at most {magnitude(numerical):.3g}"
                             f" in size, so atol was scaled to {tol:.3g} for it: a rule off by "
                             "less than atol is still wrong where gradients are that small")
    if rows:
        rows.sort(key=lambda r: -r.excess)
        total = sum(a.size for a in analytic)
        what = "directional derivatives" if mode == "directional" else "Jacobian entries"
        head = (f"gradcheck: {len(rows)} of {total} {what} differ from central differences "
                f"(|analytic - numerical| > atol + rtol·|numerical|, atol={atol:g}, "
                f"rtol={rtol:g}); worst first:")
        shown = table(rows, show_output=mode == "full" and len(out_shape) > 0)
        raise GradcheckError("\n".join([head, shown] + [h for h in hints if h]), rows)
    return True


def _label(base: str, t: Tensor) -> str:
    return base + (f" '{t.name}'" if t.name else "") + f" {t.shape}"


def _compare(label: str, a: np.ndarray, n: np.ndarray, limit: np.ndarray,
             shape: tuple[int, ...], out_shape: tuple[int, ...], mode: str) -> list[Mismatch]:
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN: reported, not warned
        err = np.abs(a - n)
        # how many times over its tolerance each entry is (NaN counts as infinitely bad)
        excess = np.where(np.isnan(err), np.inf, err / np.maximum(limit, 1e-300))
    found = []
    for o, i in zip(*np.nonzero(~(err <= limit)), strict=True):  # `~(<=)` also flags NaN
        if mode == "full":
            where = str(tuple(int(v) for v in np.unravel_index(i, shape)))
            out = str(tuple(int(v) for v in np.unravel_index(o, out_shape)))
        else:
            where, out = f"direction {i}", "uᵀJv"
        found.append(Mismatch(label, where, out, float(a[o, i]), float(n[o, i]),
                              float(excess[o, i])))
    return found


def _hint(label: str, a: np.ndarray, n: np.ndarray, recorded: bool) -> str:
    """A guess at the kind of mistake, from the pattern of the wrong entries."""
    if not recorded:
        return (f"hint: f's output was not recorded as depending on {label}: was it computed "
                "with .data, numpy or under no_grad? Such steps have no gradient.")
    big = np.abs(n) > 1e-3 * magnitude(n)  # the entries that carry the gradient
    if not big.any():
        return ""
    if not np.any(a[big]):
        return (f"hint: the analytic gradient of {label} is 0 where the numerical one is not: "
                "does a vjp return None or zeros, or does f use .data, cutting the graph?")
    with np.errstate(over="ignore", invalid="ignore"):  # n may be tiny: inf, no pattern
        ratio = a[big] / n[big]
    if np.isfinite(ratio).all() and np.allclose(ratio, ratio.flat[0], rtol=1e-4, atol=0):
        factor = float(ratio.flat[0])
        if abs(factor + 1) < 1e-4:
            return f"hint: analytic = -numerical for {label}: a sign error in a rule?"
        return f"hint: analytic = {factor:.6g} × numerical for {label}: a constant factor off?"
    return ""
