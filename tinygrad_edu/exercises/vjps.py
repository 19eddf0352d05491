"""Checks for the exercises that write an op's vjp: softsign, swish and the Huber loss.

Each check runs the learner's ``tg.Function`` subclass on fixed inputs, with a fixed upstream
gradient G that is not all ones (a vjp that forgets G is caught), compares forward and vjp
with the true values, names the mistake when it is a typical one, and finally runs the op
inside a graph with ``backward()``. Nothing is random: the verdict is the same every time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .feedback import Feedback, Report, as_array, attempt, compare, fmt

__all__ = ["check_huber", "check_softsign", "check_swish"]

X = np.array([[-3.0, -1.0, -0.5], [0.25, 1.5, 4.0]])  # both signs, small and large
G = np.array([[0.7, -1.3, 0.4], [1.1, -0.6, 2.0]])  # an upstream gradient, not all ones

Grad = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (x, G) -> a gradient


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the same as 1/(1+e^-x), without overflow


def _at(x: np.ndarray) -> Callable[[int], str]:
    return lambda i: f"x = {fmt(x.flat[i])}"


def _is_op(report: Report, cls: Any) -> bool:
    if isinstance(cls, type) and issubclass(cls, Function):
        return True
    report.wrong(f"expected a class derived from tg.Function (class MyOp(tg.Function): with "
                 f"forward and vjp), got {cls!r}")
    return False


def _name_the_mistake(got: Any, mistakes: dict[str, np.ndarray]) -> str:
    for diagnosis, wrong in mistakes.items():
        if np.shape(got) == wrong.shape and np.allclose(got, wrong, rtol=1e-6, atol=1e-9):
            return f" — {diagnosis}"
    return ""


def _check_unary(cls: Any, exercise: str, formula: str, f: Callable[[np.ndarray], np.ndarray],
                 derivative: str, df: Callable[[np.ndarray], np.ndarray],
                 typical: dict[str, Grad]) -> Feedback:
    report = Report(exercise)
    if not _is_op(report, cls):
        return report.done()
    op, x, g = cls(), X.copy(), G.copy()
    ok, out = attempt(report, "forward", lambda: op.forward(x))
    if not ok:
        return report.done()
    if not np.array_equal(x, X):
        report.wrong("forward changed its input array; compute a new array instead")
    report.verdict(compare("forward", out, f(X), where=_at(X)), f"forward computes {formula}")
    ok, grads = attempt(report, "vjp", lambda: op.vjp(g))
    if not ok:
        return report.done()
    if not isinstance(grads, (tuple, list)) or len(grads) != 1:
        report.wrong("vjp must return a tuple with one gradient per input: return (G * ...,) "
                     "— mind the comma")
        return report.done()
    mistakes = {"you returned the local derivative without multiplying it by the upstream "
                "gradient G": df(X)}
    mistakes.update({d: wrong(X, G) for d, wrong in typical.items()})
    problem = compare("the gradient", grads[0], G * df(X), where=_at(X))
    report.verdict(problem and problem + _name_the_mistake(grads[0], mistakes),
                   f"vjp returns G · {derivative}")
    if not np.array_equal(g, G):
        report.wrong("vjp changed the upstream gradient G in place; compute a new array")
    if report.failed:
        return report.done()
    x_t = Tensor(X, requires_grad=True)
    ok, _ = attempt(report, "backward through your op",
                    lambda: (cls.apply(x_t) * G).sum().backward())
    if ok:
        report.verdict(compare("backward's gradient", x_t.grad, G * df(X), where=_at(X)),
                       "inside a graph, backward() agrees")
    return report.done()


def check_softsign(cls: Any) -> Feedback:
    """Exercise 1: softsign(x) = x / (1 + |x|), with d/dx = 1 / (1 + |x|)²."""
    return _check_unary(
        cls, "softsign", "x / (1 + |x|)", lambda x: x / (1 + np.abs(x)),
        "1/(1 + |x|)²", lambda x: 1 / (1 + np.abs(x)) ** 2,
        {"the square is missing: the quotient rule gives 1/(1 + |x|)²":
             lambda x, g: g / (1 + np.abs(x)),
         "for x < 0 the derivative is 1/(1 − x)², still positive: softsign only rises":
             lambda x, g: g * np.sign(x) / (1 + np.abs(x)) ** 2})


def check_swish(cls: Any) -> Feedback:
    """Exercise 2: swish(x) = x σ(x), with d/dx = σ(x) + x σ(x)(1 − σ(x))."""
    def d_swish(x: np.ndarray) -> np.ndarray:
        s = _sigmoid(x)
        slope: np.ndarray = s + x * s * (1 - s)
        return slope

    return _check_unary(
        cls, "swish", "x · σ(x)", lambda x: x * _sigmoid(x),
        "(σ(x) + x·σ(x)(1 − σ(x)))", d_swish,
        {"the product rule has two terms, σ(x) + x·σ′(x); you have only σ(x)":
             lambda x, g: g * _sigmoid(x),
         "the product rule has two terms, σ(x) + x·σ′(x); you have only x·σ′(x)":
             lambda x, g: g * x * _sigmoid(x) * (1 - _sigmoid(x))})


Y_H = np.array([[0.2, -1.5, 3.0], [0.0, 0.9, -0.4]])  # residuals y − t inside and outside ±1
T_H = np.array([[0.0, 0.5, 0.5], [1.5, 1.0, -2.0]])
G_H = np.array(0.7)


def _huber(r: np.ndarray) -> np.ndarray:
    return np.where(np.abs(r) <= 1, 0.5 * r**2, np.abs(r) - 0.5)


def check_huber(cls: Any) -> Feedback:
    """Exercise 3: E = mean(huber(y − t)) with δ = 1, huber(r) = r²/2 for |r| <= 1 and
    |r| − 1/2 beyond; dE/dy = clip(y − t, −1, 1) / N, dE/dt = −dE/dy."""
    report = Report("huber")
    if not _is_op(report, cls):
        return report.done()
    r, n = Y_H - T_H, Y_H.size
    op = cls()
    ok, out = attempt(report, "forward", lambda: op.forward(Y_H.copy(), T_H.copy()))
    if not ok:
        return report.done()
    value, loss = as_array(out), _huber(r).mean()
    if value is None or value.size != 1:
        report.wrong(f"forward must return one number (the mean), got {fmt(value)}"
                     if value is not None else f"forward returned {out!r}, not a number")
    else:
        problem = compare("forward", value.reshape(()), np.array(loss), where=str)
        if problem and np.isclose(value.reshape(()), loss * n):
            problem += f" — that is the sum; the loss is the mean over all N = {n} values"
        report.verdict(problem, "forward computes mean(huber(y − t))")
    ok, grads = attempt(report, "vjp", lambda: op.vjp(G_H.copy()))
    if not ok:
        return report.done()
    if not isinstance(grads, (tuple, list)) or len(grads) != 2:
        report.wrong("vjp must return two gradients, one per input: (dE/dy, dE/dt)")
        return report.done()
    dy = G_H * np.clip(r, -1, 1) / n

    def at(i: int) -> str:
        return f"y − t = {fmt(r.flat[i])}"

    mistakes = {"outside |y − t| <= 1 the loss is linear, so its gradient stays at ±G/N; "
                "yours keeps growing with y − t": G_H * r / n,
                "inside |y − t| <= 1 the loss is (y − t)²/2, whose gradient is G·(y − t)/N, "
                "not ±G/N": G_H * np.sign(r) / n}
    problem = compare("dE/dy", grads[0], dy, where=at, batch=n)
    report.verdict(problem and problem + _name_the_mistake(grads[0], mistakes),
                   "dE/dy = G · clip(y − t, −1, 1) / N")
    problem = compare("dE/dt", grads[1], -dy, where=at, batch=n)
    if problem and np.shape(grads[1]) == dy.shape and np.allclose(grads[1], dy):
        problem += " — t enters as y − t, so dE/dt = −dE/dy"
    report.verdict(problem, "dE/dt = −dE/dy")
    if not report.failed:
        y, t = Tensor(Y_H, requires_grad=True), Tensor(T_H, requires_grad=True)
        ok, _ = attempt(report, "backward through your op", lambda: cls.apply(y, t).backward())
        if ok:
            report.verdict(compare("backward's dE/dy", y.grad, dy / G_H, where=at, batch=n),
                           "inside a graph, backward() agrees")
    return report.done()
