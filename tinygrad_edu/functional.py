"""Activations and losses as functions: ``import tinygrad_edu.functional as F``.

Each takes Tensors, numbers or arrays (non-Tensors are constants) and returns a Tensor.

>>> import tinygrad_edu as tg
>>> import tinygrad_edu.functional as F
>>> w = tg.Tensor([0.5, -0.5], requires_grad=True)
>>> y = F.sigmoid(w.dot(tg.Tensor([1.0, 1.0])))
>>> E = F.squared_error(y, 1.0)
>>> round(E.item(), 4)
0.25
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .arguments import numpy_or_torch
from .ops import activations as act
from .ops import classification, losses
from .tensor import Tensor, apply


def identity(x: Any) -> Tensor:
    """f(x) = x: the linear activation (no op is recorded)."""
    return x if isinstance(x, Tensor) else Tensor(x)


linear = identity


def sigmoid(x: Any) -> Tensor:
    """σ(x) = 1/(1 + e^-x), computed stably; σ' = σ(1 − σ)."""
    return apply(act.Sigmoid, x)


def tanh(x: Any) -> Tensor:
    """tanh(x); tanh' = 1 − tanh²."""
    return apply(act.Tanh, x)


def relu(x: Any) -> Tensor:
    """max(x, 0); relu'(0) = 0."""
    return apply(act.Relu, x)


def leaky_relu(x: Any, slope: float = 0.01) -> Tensor:
    """x for x > 0, slope·x otherwise."""
    return apply(act.LeakyRelu, x, slope=slope)


def sign(x: Any) -> Tensor:
    """−1, 0 or 1; passes a zero gradient."""
    return apply(act.Sign, x)


def step(x: Any) -> Tensor:
    """1 where x >= 0, else 0 (the perceptron's threshold); passes a zero gradient."""
    return apply(act.Step, x)


def softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """e^xᵢ / Σⱼ e^xⱼ along ``axis`` (PyTorch's ``dim=`` is accepted too), computed stably."""
    return apply(act.Softmax, x, axis=numpy_or_torch("softmax", "axis", axis, -1, "dim", dim))


def log_softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """ln softmax(x) along ``axis`` (or ``dim=``), computed stably."""
    axis = numpy_or_torch("log_softmax", "axis", axis, -1, "dim", dim)
    return apply(act.LogSoftmax, x, axis=axis)


def _target(t: Any, like: Any) -> Any:
    """A single number target (Python's or numpy's, e.g. ``np.int64(1)``) means "this value
    everywhere": give it the prediction's shape."""
    if type(t) is not Tensor and isinstance(t, numbers.Real) and isinstance(like, Tensor):
        return np.full(like.shape, float(t), dtype=like.dtype)
    return t


def squared_error(y: Any, t: Any) -> Tensor:
    """E = Σ (y − t)², no averaging (one sample's ‖y − t‖²). y and t of the same shape."""
    return apply(losses.SquaredError, y, _target(t, y))


def mse(y: Any, t: Any) -> Tensor:
    """E = mean of (y − t)² over all elements. y and t of the same shape."""
    return apply(losses.MSE, y, _target(t, y))


def binary_cross_entropy(p: Any, t: Any) -> Tensor:
    """E = −mean(t ln p + (1 − t) ln(1 − p)) for probabilities p; finite at p = 0 or 1
    (ln is read as max(ln, −100)). Targets t in [0, 1]; others are a ValueError."""
    return apply(losses.BinaryCrossEntropy, p, _target(t, p))


def binary_cross_entropy_with_logits(z: Any, t: Any) -> Tensor:
    """The binary cross-entropy of p = σ(z), from logits z, stable for any |z|. Targets t
    in [0, 1]; others are a ValueError."""
    return apply(losses.BinaryCrossEntropyWithLogits, z, _target(t, z))


def cross_entropy(p: Any, t: Any) -> Tensor:
    """E = −(1/N) Σₙ Σₖ tₙₖ ln pₙₖ, p (N, K) probabilities; t one-hot (N, K) or indices (N,)."""
    return apply(classification.CrossEntropy, p, t)


def softmax_cross_entropy(z: Any, t: Any) -> Tensor:
    """cross_entropy(softmax(z), t) from logits z (N, K), via a stable log-softmax. A logit
    of −inf (a masked class) is allowed: a class of target weight 0 adds nothing."""
    return apply(classification.SoftmaxCrossEntropy, z, t)
