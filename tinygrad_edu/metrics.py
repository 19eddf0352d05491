"""Accuracy: the fraction of samples a classifier gets right, on plain arrays (no gradient).

``fit`` picks the one that suits its loss (``accuracy_for``) unless it is given another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import functional as F
from .tensor import Tensor

Accuracy = Callable[[np.ndarray, np.ndarray], float]


def binary_accuracy(y: Any, t: Any, threshold: float = 0.5) -> float:
    """Fraction of samples where (y >= threshold) equals the 0/1 target t (same number of values).

    >>> binary_accuracy(np.array([0.9, 0.2, 0.6]), np.array([1, 0, 0]))
    0.6666666666666666
    """
    y, t = np.asarray(y).reshape(-1), np.asarray(t).reshape(-1)
    return float(np.mean((y >= threshold) == (t >= 0.5)))


def multiclass_accuracy(scores: Any, t: Any) -> float:
    """Fraction of rows whose largest score is the target class; t class indices (N,) or
    one-hot (N, K). Works for probabilities and logits alike.

    >>> multiclass_accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1]))
    0.5
    """
    s, t = np.asarray(scores), np.asarray(t)
    labels = t.argmax(axis=-1) if t.shape == s.shape else t
    return float(np.mean(s.argmax(axis=-1) == labels))


def accuracy_for(loss: Callable[..., Tensor]) -> Accuracy | None:
    """The natural accuracy of a classification loss; None for a regression loss."""
    if loss is F.binary_cross_entropy:
        return binary_accuracy
    if loss is F.binary_cross_entropy_with_logits:
        return lambda z, t: binary_accuracy(z, t, threshold=0.0)  # σ(z) >= 0.5  <=>  z >= 0
    if loss in (F.cross_entropy, F.softmax_cross_entropy):
        return multiclass_accuracy
    return None
