"""W1-W3: one training step of a one-layer model, in numpy by hand, tinygrad_edu and PyTorch.

A step is: forward, loss, gradients, SGD update with lr 0.1, all in float64. Every
contender starts from the same data and the same initial parameters (fixed seed) and each
step returns its gradients, so ``run.py`` can check that they agree before timing.

    W1 tiny    one sigmoid neuron, 4 features, batch 32, mean squared error
    W2 biopsy  one neuron, the 30 features of the 569 breast-cancer biopsies,
               binary cross-entropy from logits
    W3 wide    a softmax layer 784 -> 10, batch 4096, softmax cross-entropy (one-hot targets)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor

LR = 0.1
Grads = tuple[np.ndarray, np.ndarray]
StepFn = Callable[[], Grads]


@dataclass
class Problem:
    name: str
    loss: str  # "mse_sigmoid", "bce_logits" or "softmax_ce"
    X: np.ndarray  # (N, D)
    t: np.ndarray  # (N,) or one-hot (N, K)
    w0: np.ndarray  # (D,) or (D, K)
    b0: np.ndarray  # () or (K,)


def problems(seed: int = 0) -> list[Problem]:
    rng = np.random.default_rng(seed)
    X1 = rng.standard_normal((32, 4))
    t1 = (X1 @ np.array([1.0, -2.0, 0.5, 0.0]) > 0).astype(np.float64)
    biopsies = tg.datasets.breast_cancer()
    X2 = tg.datasets.standardize(biopsies.data)
    X3 = rng.standard_normal((4096, 784))
    t3 = np.eye(10)[rng.integers(0, 10, size=4096)]
    return [
        Problem("W1 tiny", "mse_sigmoid", X1, t1, 0.5 * rng.standard_normal(4), np.array(0.0)),
        Problem("W2 biopsy", "bce_logits", X2, biopsies.target,
                0.1 * rng.standard_normal(30), np.array(0.0)),
        Problem("W3 wide", "softmax_ce", X3, t3,
                0.01 * rng.standard_normal((784, 10)), np.zeros(10)),
    ]


# ----- hand-written numpy: the gradients derived on paper -----
def numpy_step(p: Problem) -> StepFn:
    X, t, w, b = p.X, p.t, p.w0.copy(), p.b0.copy()
    n = X.shape[0]

    def step() -> Grads:
        z = X @ w + b
        if p.loss == "mse_sigmoid":
            y = 1.0 / (1.0 + np.exp(-z))
            _ = np.mean((y - t) ** 2)
            dz = 2.0 * (y - t) / n * y * (1.0 - y)
        elif p.loss == "bce_logits":
            _ = np.mean(np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z))))
            dz = (1.0 / (1.0 + np.exp(-z)) - t) / n
        else:
            shifted = z - z.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            total = e.sum(axis=1, keepdims=True)
            _ = -np.sum(t * (shifted - np.log(total))) / n
            dz = (e / total - t) / n
        dw = X.T @ dz
        db = dz.sum(axis=0)
        w[...] -= LR * dw
        b[...] -= LR * db
        return dw, db

    return step


# ----- tinygrad_edu, written as a user would -----
def _tg_loss(p: Problem, z: Tensor, t: Tensor) -> Tensor:
    if p.loss == "mse_sigmoid":
        return F.mse(z.sigmoid(), t)
    if p.loss == "bce_logits":
        return F.binary_cross_entropy_with_logits(z, t)
    return F.softmax_cross_entropy(z, t)


def _forward_backward(p: Problem, X: Tensor, t: Tensor, w: Tensor, b: Tensor,
                      compiled: bool) -> Callable[[], object]:
    """Forward and backward of one step: eager, or compiled by ``tg.compile`` (the same
    function, replayed: docs/compile.md). Either way ``.grad`` accumulates."""
    def loss() -> Tensor:
        return _tg_loss(p, X @ w + b, t)
    if compiled:
        return tg.compile(loss)
    return lambda: loss().backward()


def tinygrad_step(p: Problem, compiled: bool = False) -> StepFn:
    X, t = Tensor(p.X), Tensor(p.t)
    w, b = Tensor(p.w0, requires_grad=True), Tensor(p.b0, requires_grad=True)
    forward_backward = _forward_backward(p, X, t, w, b, compiled)

    def step() -> Grads:
        forward_backward()
        grads = (w.grad, b.grad)
        with tg.no_grad():
            for param in (w, b):
                param.data -= LR * param.grad  # type: ignore[operator]
                param.grad = None
        return grads  # type: ignore[return-value]

    return step


def has_optim() -> bool:
    try:
        return hasattr(tg.optim, "SGD")
    except ImportError:
        return False


def tinygrad_optim_step(p: Problem, compiled: bool = False) -> StepFn:
    """The same step with ``tg.optim.SGD`` doing the update (once that module exists)."""
    X, t = Tensor(p.X), Tensor(p.t)
    w, b = Tensor(p.w0, requires_grad=True), Tensor(p.b0, requires_grad=True)
    forward_backward = _forward_backward(p, X, t, w, b, compiled)
    opt = tg.optim.SGD([w, b], lr=LR)

    def step() -> Grads:
        forward_backward()
        grads = (w.grad, b.grad)
        opt.step()
        opt.zero_grad()
        return grads  # type: ignore[return-value]

    return step


# ----- PyTorch CPU (optional) -----
def torch_step(p: Problem, torch: Any) -> StepFn:
    fn = torch.nn.functional
    X, t = torch.from_numpy(p.X.copy()), torch.from_numpy(p.t.copy())
    w = torch.tensor(p.w0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(p.b0, dtype=torch.float64, requires_grad=True)

    def step() -> Grads:
        z = X @ w + b
        if p.loss == "mse_sigmoid":
            loss = fn.mse_loss(torch.sigmoid(z), t)
        elif p.loss == "bce_logits":
            loss = fn.binary_cross_entropy_with_logits(z, t)
        else:
            loss = fn.cross_entropy(z, t)  # probability (one-hot) targets
        loss.backward()
        grads = (w.grad, b.grad)
        with torch.no_grad():
            w.sub_(LR * w.grad)
            b.sub_(LR * b.grad)
        w.grad = b.grad = None
        return grads[0].numpy(), grads[1].numpy()

    return step
