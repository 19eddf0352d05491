"""W4 and W5: the cost of the machinery itself, on values so small that numpy does ~nothing.

    W4 chain     x -> tanh -> tanh -> ... (n ops) on one value, forward and backward; the
                 numpy reference does the same chain by hand, keeping the outputs and
                 multiplying the local derivatives 1 - tanh² on the way back.
                 The value is a 1-element array (shape (1,)) on both sides. On a 0-d array
                 numpy returns numpy scalar objects (np.float64), whose arithmetic skips the
                 array machinery; a tensor library must hold arrays (0-d ones for scalars),
                 so the 0-d chain is reported too, but as information, without a target.
    W5 overhead  ``a + b`` on 1-element tensors and its backward, per call (eager, and compiled
                 by ``tg.compile``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor

X0 = 0.5


def chain_numpy(n: int, shape: tuple[int, ...] = (1,)) -> Callable[[], float]:
    def run() -> float:
        y = np.full(shape, X0)
        outs = []
        for _ in range(n):
            y = np.tanh(y)
            outs.append(y)
        g = np.ones(shape)
        for out in reversed(outs):
            g = g * (1.0 - out * out)
        return float(np.asarray(g).reshape(()))

    return run


def chain_tinygrad(n: int, shape: tuple[int, ...] = (1,)) -> Callable[[], float]:
    def run() -> float:
        x = Tensor(np.full(shape, X0), requires_grad=True)
        y = x
        for _ in range(n):
            y = y.tanh()
        y.backward()
        return float(np.asarray(x.grad).reshape(()))

    return run


def chain_torch(n: int, torch: Any, shape: tuple[int, ...] = (1,)) -> Callable[[], float]:
    def run() -> float:
        x = torch.full(shape, X0, dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(n):
            y = y.tanh()
        y.backward()
        return float(x.grad.reshape(()))

    return run


def add_numpy() -> Callable[[], Any]:
    a, b = np.array([1.0]), np.array([2.0])

    def run() -> Any:
        _ = a + b
        g = np.ones(1)
        return g.copy(), g.copy()  # d(a+b)/da and d(a+b)/db, each its own array

    return run


def add_tinygrad() -> Callable[[], Any]:
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)

    def run() -> Any:
        c = a + b
        c.backward()
        grads = a.grad, b.grad
        a.grad = b.grad = None
        return grads

    return run


def add_compiled() -> Callable[[], Any]:
    """``add_tinygrad`` with ``a + b`` compiled by ``tg.compile``: forward and backward replayed."""
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    c = tg.compile(lambda: a + b)

    def run() -> Any:
        c()
        grads = a.grad, b.grad
        a.grad = b.grad = None
        return grads

    return run


def add_torch(torch: Any) -> Callable[[], Any]:
    a = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)

    def run() -> Any:
        c = a + b
        c.backward()
        grads = a.grad, b.grad
        a.grad = b.grad = None
        return grads

    return run
