"""Checks for the exercises done by hand: gradients of MSE through a sigmoid, a linear layer's
backward on a batch and the shapes of its gradients, and two epochs of the perceptron rule.

The reference answers are computed by the framework itself (``backward()``) or by the rule
written out, on fixed numbers: the verdicts are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .feedback import Feedback, Report, as_array, attempt, compare

__all__ = ["check_gradient_shapes", "check_linear_backward", "check_mse_sigmoid",
           "check_perceptron_and"]

# two batches of different sizes, so an answer with N typed in as a number is caught
MSE_CASES = [
    (np.array([[1.0, 2.0], [-0.5, 1.0], [2.0, -1.0], [0.0, 0.5]]), np.array([0.3, -0.7]), 0.2,
     np.array([1.0, 0.0, 1.0, 0.0])),
    (np.array([[0.5, -1.5], [1.0, 1.0], [-2.0, 0.25]]), np.array([-0.4, 0.9]), -0.1,
     np.array([0.0, 1.0, 1.0])),
]


def _mse_sigmoid_reference(X: np.ndarray, w: np.ndarray, b: float,
                           t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w_t, b_t = Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)
    F.mse(F.sigmoid(Tensor(X) @ w_t + b_t), t).backward()
    assert w_t.grad is not None and b_t.grad is not None
    return w_t.grad, b_t.grad


def check_mse_sigmoid(grads: Callable[..., Any]) -> Feedback:
    """Exercise 4: ``grads(X, w, b, t) -> (dE/dw, dE/db)`` for E = mean((σ(X w + b) − t)²),
    compared with ``backward()`` on two batches."""
    report = Report("mse through a sigmoid")
    for case, (X, w, b, t) in enumerate(MSE_CASES):
        n = len(X)
        ok, answer = attempt(report, f"your function on a batch of {n}",
                             partial(grads, X.copy(), w.copy(), b, t.copy()))
        if not ok:
            return report.done()
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            report.wrong("return two things: (dE/dw, dE/db)")
            return report.done()
        dw, db = _mse_sigmoid_reference(X, w, b, t)
        y = 1 / (1 + np.exp(-(X @ w + b)))
        no_slope = 2 * (y - t) @ X / n  # the chain rule stopped before σ′

        def at(i: int) -> str:
            return f"w[{i}]"

        problem = compare("dE/dw", answer[0], dw, where=at, batch=n)
        if problem and np.shape(answer[0]) == dw.shape and np.allclose(answer[0], no_slope):
            problem += " — you left out σ′(z) = y(1 − y): the chain rule goes through the sigmoid"
        elif problem and np.shape(answer[0]) == dw.shape and np.allclose(answer[0], dw / 2):
            problem += " — d/dy (y − t)² = 2(y − t)"
        report.verdict(problem, f"dE/dw on a batch of {n}")
        report.verdict(compare("dE/db", answer[1], db, where=str, batch=n),
                       f"dE/db on a batch of {n}")
        if report.failed:
            if case > 0:
                report.wrong(f"right for a batch of {len(MSE_CASES[0][0])}, wrong for {n}: is "
                             "a number typed in where len(X) belongs?")
            break
    return report.done()


PERCEPTRON_START = (np.zeros(2), 0.0)  # w = (0, 0), b = 0, learning rate 1


def _tuple(values: Any) -> str:
    return "(" + ", ".join(f"{float(v):g}" for v in np.ravel(values)) + ")"


def check_perceptron_and(rows: Any) -> Feedback:
    """Exercise 5: two epochs of the perceptron rule on AND, from w = (0, 0), b = 0, η = 1,
    the samples in the order (0,0), (0,1), (1,0), (1,1); ``rows`` holds (w₁, w₂, b) after
    each of the 8 samples."""
    report = Report("perceptron on AND")
    table = as_array(rows)
    if table is None or table.shape != (8, 3):
        got = "something else" if table is None else f"shape {table.shape}"
        report.wrong(f"give 8 rows (two epochs of 4 samples), each (w₁, w₂, b); got {got}")
        return report.done()
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    t = np.array([0.0, 0.0, 0.0, 1.0])
    w, b = PERCEPTRON_START
    for k in range(8):
        x_n, t_n = X[k % 4], t[k % 4]
        z = float(w @ x_n + b)
        y = 1.0 if z >= 0 else 0.0
        e = t_n - y
        new_w, new_b = w + e * x_n, b + e
        if not np.allclose(table[k], [*new_w, new_b]):
            why = (f"z = w·x + b = {z:g}, so y = step({z:g}) = {y:g}"
                   + (" (the step is 1 for z >= 0)" if z == 0 else "")
                   + f" and e = t − y = {t_n:g} − {y:g} = {e:g}")
            if e == 0:
                then = "nothing changes"
            else:
                then = f"w ← w + e·x = {_tuple(new_w)}, b ← b + e = {new_b:g}"
            hint = ""
            if np.allclose(table[k], [*(w - e * x_n), b - e]) and e != 0:
                hint = " — the error is e = t − y (target minus prediction), not y − t"
            elif np.allclose(table[k], [*w, b]) and e != 0:
                hint = " — this sample was wrong, so the rule must move the line"
            report.wrong(f"epoch {k // 4 + 1}, sample {k % 4 + 1}, x = {_tuple(x_n)}, "
                         f"t = {t_n:g}: {why}; {then}; you wrote {_tuple(table[k])}{hint}")
            return report.done()
        w, b = new_w, new_b
    report.ok(f"all 8 rows right; after two epochs w = {_tuple(w)}, b = {b:g}")
    return report.done()


SHAPES_CASE = {"in": 3, "out": 4, "batch": 5}


def _layer_shapes() -> dict[str, tuple[int, ...]]:
    """The true shapes, found by running backward (not typed in)."""
    from ..nn import Linear

    layer = Linear(SHAPES_CASE["in"], SHAPES_CASE["out"], rng=0)
    X = Tensor(np.ones((SHAPES_CASE["batch"], SHAPES_CASE["in"])), requires_grad=True)
    Y = layer(X)
    Y.retain_grad()
    (Y * Y).sum().backward()
    assert layer.bias is not None
    grads = {"Y": Y.grad, "weight": layer.weight.grad, "bias": layer.bias.grad, "X": X.grad}
    return {name: np.shape(g) for name, g in grads.items()}


def check_gradient_shapes(answer: Mapping[str, Any]) -> Feedback:
    """Exercise 6: the shapes of dL/dY, dL/dweight, dL/dbias and dL/dX for
    ``Linear(3, 4)`` on a batch X of shape (5, 3), as {"Y": ..., "weight": ..., ...}."""
    report = Report("gradient shapes")
    truth = _layer_shapes()
    if not isinstance(answer, Mapping) or set(answer) != set(truth):
        keys = sorted(answer) if isinstance(answer, Mapping) else type(answer).__name__
        report.wrong(f"give a dict with the keys {sorted(truth)}; got {keys}")
        return report.done()
    why = {"Y": "one row per sample, one column per neuron, like Y itself",
           "weight": "a gradient has its parameter's shape: (out, in), one row per neuron",
           "bias": ("the bias is shared by all 5 samples, so its gradient is summed over the "
                    "batch: one number per neuron"),
           "X": "one row per sample, like X itself"}
    for name, shape in truth.items():
        try:
            given = tuple(int(n) for n in answer[name])
        except (TypeError, ValueError):
            report.wrong(f"dL/d{name}: give a shape as a tuple of ints, got {answer[name]!r}")
            continue
        if given == shape:
            report.ok(f"dL/d{name} has shape {shape}")
        else:
            report.wrong(f"dL/d{name} has shape {shape}, not {given}: {why[name]}")
    return report.done()


def check_linear_backward(backward: Callable[..., Any]) -> Feedback:
    """Exercise 7: ``backward(X, W, b, G) -> (dX, dW, db)`` for Y = X Wᵀ + b and G = dL/dY,
    compared with ``backward()`` on a batch of 5 samples, 3 inputs, 4 neurons."""
    report = Report("linear layer backward")
    gen = np.random.default_rng(0)
    X, W, b, G = (gen.normal(size=s) for s in [(5, 3), (4, 3), (4,), (5, 4)])
    ok, answer = attempt(report, "your function", lambda: backward(X.copy(), W.copy(),
                                                                  b.copy(), G.copy()))
    if not ok:
        return report.done()
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        report.wrong("return three things: (dX, dW, db)")
        return report.done()
    x_t, w_t, b_t = (Tensor(a, requires_grad=True) for a in (X, W, b))
    (x_t @ w_t.T + b_t).backward(G)
    expected = {"dL/dX": x_t.grad, "dL/dW": w_t.grad, "dL/db": b_t.grad}
    rule = {"dL/dX": "G W, (5, 4) @ (4, 3)", "dL/dW": "Gᵀ X, (4, 5) @ (5, 3)",
            "dL/db": "G summed over the batch axis"}
    for (name, exp), got in zip(expected.items(), answer, strict=True):
        assert exp is not None

        def at(i: int, shape: tuple[int, ...] = exp.shape) -> str:
            return f"index {np.unravel_index(i, shape)}"

        report.verdict(compare(name, got, exp, where=at, batch=5), f"{name} = {rule[name]}")
    return report.done()
