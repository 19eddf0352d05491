"""Activation functions f in y = f(w·x + b), each with its derivative.

Values at the kinks are a choice, stated here once: relu'(0) = 0, leaky_relu'(0) = slope,
and sign and step pass a zero gradient everywhere (their derivative is 0 wherever it exists;
a perceptron therefore learns with its own rule, not with backpropagation).

NaN goes through every activation as NaN (so ``detect_anomaly`` sees it downstream): relu
and leaky_relu as in PyTorch; sign and step too, where PyTorch's sign and heaviside give 0.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ShapeError
from ..function import Function
from .reduce import Axis, normalize_axis


def stable_sigmoid(a: np.ndarray, e: np.ndarray | None = None) -> np.ndarray:
    """σ(a) = 1 / (1 + e^(-a)) without overflow, from e = exp(-|a|) (computed if not given).

    e is in (0, 1] and never overflows; σ(a) = 1/(1+e) for a >= 0 and e/(1+e) for a < 0,
    two forms of the same function. (``binary_cross_entropy_with_logits`` passes its own e.)
    """
    if e is None:
        e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0, e) / (1.0 + e)


class Sigmoid(Function):
    """out = σ(a) = 1 / (1 + e^(-a)), computed stably;  dL/da = G * out * (1 - out)"""

    rule = "dσ/dx = σ·(1−σ)"

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.out = stable_sigmoid(a)
        return self.out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        s = self.out
        return (g * s * (1.0 - s),)


class Tanh(Function):
    """out = tanh(a);  dL/da = G * (1 - out²)"""

    rule = "d tanh/dx = 1 − tanh²"
    out: np.ndarray  # saved for vjp

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.out = np.tanh(a)
        return self.out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * (1.0 - self.out * self.out),)


class Relu(Function):
    """out = max(a, 0);  dL/da = G where a > 0, else 0 (also at a = 0).
    NaN passes through, value and gradient, as in PyTorch."""

    rule = "d relu/dx = 1 if x > 0 else 0"

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.passes = ~(a <= 0)  # a > 0, or NaN
        return np.where(self.passes, a, 0.0).astype(a.dtype, copy=False)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * self.passes,)


def _check_slope(slope: object) -> None:
    if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
        raise TypeError(f"leaky_relu: slope must be a real number such as 0.01, got "
                        f"{type(slope).__name__} {slope!r}")
    if not np.isfinite(float(slope)):
        raise ValueError(f"leaky_relu: slope must be finite, got {slope!r}")


class LeakyRelu(Function):
    """out = a if a > 0 else slope·a;  dL/da = G where a > 0, else slope·G (also at a = 0)"""

    name = "leaky_relu"
    rule = "d leaky_relu/dx = 1 if x > 0 else slope"

    def forward(self, a: np.ndarray, *, slope: float = 0.01) -> np.ndarray:
        _check_slope(slope)
        self.factor = np.where(a > 0, 1.0, slope).astype(a.dtype, copy=False)
        out: np.ndarray = a * self.factor
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * self.factor,)


class Sign(Function):
    """out = sign(a) ∈ {-1, 0, 1};  dL/da = 0 (flat almost everywhere)"""

    rule = "d sign/dx = 0"

    def forward(self, a: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.sign(a)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (np.zeros_like(g),)


class Step(Function):
    """out = 1 where a >= 0, else 0 (Heaviside; NaN stays NaN);  dL/da = 0 (flat almost
    everywhere)"""

    rule = "d step/dx = 0"

    def forward(self, a: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.heaviside(a, 1.0)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (np.zeros_like(g),)


def _softmax_axes(op: str, axis: Axis, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes to normalize over; each must hold at least one value."""
    axes = normalize_axis(op, axis, len(shape))
    if any(shape[ax] == 0 for ax in axes):
        raise ShapeError(f"{op}: axis {axis} of a tensor of shape {shape} is empty; there is "
                         "nothing to normalize over")
    return axes


class Softmax(Function):
    """out = e^(a - max) / Σ e^(a - max) along ``axis``;  dL/da = out * (G - Σ(G * out))

    Subtracting the max changes nothing mathematically and keeps exp from overflowing.
    The vjp is the Jacobian diag(s) - s sᵀ applied to G without building it.
    """

    rule = "dsᵢ/dxⱼ = sᵢ(δᵢⱼ − sⱼ)"
    out: np.ndarray  # saved for vjp

    def forward(self, a: np.ndarray, *, axis: int = -1) -> np.ndarray:
        self.axis = axes = _softmax_axes("softmax", axis, a.shape)
        e = np.exp(a - a.max(axis=axes, keepdims=True))
        self.out = e / e.sum(axis=axes, keepdims=True)
        return self.out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        s = self.out
        return (s * (g - (g * s).sum(axis=self.axis, keepdims=True)),)


def stable_log_softmax(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """log softmax(a) = a - max - ln Σ e^(a - max) along ``axes``, in one new array.

    Subtracting the max changes nothing mathematically and keeps exp from overflowing.
    (The second subtraction is in place for memory: see ``classification.softmax_minus_targets``.)
    """
    out: np.ndarray = a - a.max(axis=axes, keepdims=True)
    out -= np.log(np.exp(out).sum(axis=axes, keepdims=True))
    return out


class LogSoftmax(Function):
    """out = a - max - ln Σ e^(a - max) along ``axis``, computed stably;
    dL/da = G - softmax * Σ G"""

    name = "log_softmax"
    rule = "d log sᵢ/dxⱼ = δᵢⱼ − sⱼ"

    def forward(self, a: np.ndarray, *, axis: int = -1) -> np.ndarray:
        self.axis = axes = _softmax_axes("log_softmax", axis, a.shape)
        self.out = stable_log_softmax(a, axes)
        return self.out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g - np.exp(self.out) * g.sum(axis=self.axis, keepdims=True),)
