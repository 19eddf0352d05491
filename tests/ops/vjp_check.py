"""The gradient check the op tests share: a random upstream gradient, never all ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck


def check_vjp(f: Callable[..., Tensor], *xs: Tensor, seed: int, tol: dict[str, Any]) -> None:
    """gradcheck of Σ f(xs)·R, R a random upstream gradient of f's output shape.

    With R all ones, a rule that mixes up which output an entry belongs to (a transpose
    missing, a wrong axis) could still sum to the right number; a random R tells them apart.
    ``tol`` is the calling file's atol/rtol, derived there for its ops.
    """
    with tg.no_grad():
        shape = f(*xs).shape
    R = np.random.default_rng(seed).standard_normal(shape)
    assert gradcheck(lambda *ys: (f(*ys) * R).sum(), *xs, **tol)
