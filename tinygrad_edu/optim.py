"""Optimizers: turn the gradients in ``p.grad`` into a step on ``p.data``.

The update rules are PyTorch's (``torch.optim.SGD`` with dampening 0 and no Nesterov,
``torch.optim.Adam`` without AMSGrad), so the same gradients give the same parameters.
Optimizers only read ``.grad`` and write ``.data``; they never touch the graph.

>>> import tinygrad_edu as tg
>>> w = tg.Tensor([1.0, 2.0], requires_grad=True)
>>> opt = tg.optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward()          # dL/dw = 2w = [2, 4]
>>> opt.step()                        # w ← w − 0.1 · [2, 4]
>>> w.data
array([0.8, 1.6])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .arguments import real_number
from .tensor import Tensor

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Base class: holds the parameters (each once), clears their gradients, and runs the
    per-parameter loop of ``step``; a subclass writes only ``update``, the rule for one
    parameter.

    ``weight_decay`` λ adds λ·p to each gradient before ``update`` sees it (L2 weight decay,
    as PyTorch's SGD and Adam do).
    """

    def __init__(self, params: Iterable[Tensor] | Any, weight_decay: float = 0.0) -> None:
        where = type(self).__name__
        if hasattr(params, "parameters") and callable(params.parameters):
            params = params.parameters()  # a Module was passed: use its parameters
        if isinstance(params, Tensor):
            raise TypeError(f"{where}: params must be a list of tensors; wrap one tensor as [t]")
        if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
            raise TypeError(f"{where}: params must be a model or a list of its tensors (e.g. "
                            f"model.parameters()), got {type(params).__name__} {params!r}")
        seen: set[int] = set()
        self.params: list[Tensor] = []
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{where}: params[{i}] is a {type(p).__name__}, not a Tensor")
            if id(p) not in seen:  # the same tensor twice would be updated twice per step
                seen.add(id(p))
                self.params.append(p)
        if not self.params:
            raise ValueError(f"{where}: got an empty list of parameters (did the model create "
                             "its tensors with requires_grad=True?)")
        self.weight_decay = real_number(weight_decay, "weight_decay", where, low=0.0)

    def zero_grad(self) -> None:
        """Forget all gradients (``p.grad = None``), ready for the next ``backward``."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient; those with ``grad is None`` are skipped."""
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p.data  # a new array: p.grad stays as it was
            self.update(i, p, g)

    def update(self, i: int, p: Tensor, g: np.ndarray) -> None:
        """Move parameter ``i`` (``p``) using its gradient ``g`` (weight decay included)."""
        raise NotImplementedError(f"{type(self).__name__} must define update(i, p, g)")


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum and L2 weight decay.

    For each parameter p with gradient g, with λ = weight_decay and μ = momentum:

        g ← g + λ p
        v ← g (first step),  v ← μ v + g (later steps)     only when μ ≠ 0; then g ← v
        p ← p − lr · g

    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([1.0], requires_grad=True)
    >>> opt = tg.optim.SGD([w], lr=0.5, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * 1.0).sum().backward(); opt.step()   # g = 1 each time
    >>> w.data          # 1 − 0.5·1 − 0.5·(0.9·1 + 1)
    array([-0.45])
    """

    def __init__(self, params: Iterable[Tensor] | Any, lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, weight_decay)
        self.lr = real_number(lr, "lr", "SGD", low=0.0)
        # μ >= 1 would never forget old gradients (the velocity grows without bound)
        self.momentum = real_number(momentum, "momentum", "SGD", low=0.0, high=1.0)
        self.velocity: list[np.ndarray | None] = [None] * len(self.params)

    def update(self, i: int, p: Tensor, g: np.ndarray) -> None:
        if self.momentum != 0.0:
            v = self.velocity[i]
            if v is None:
                v = np.array(g, copy=True)  # a copy: g may be p.grad itself
            else:
                v *= self.momentum
                v += g
            self.velocity[i] = v
            g = v
        p.data -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with PyTorch's update, L2 weight decay added to the gradient.

    For each parameter p with gradient g, at step k = 1, 2, ...:

        g ← g + λ p                                  (λ = weight_decay)
        m ← β₁ m + (1 − β₁) g                        (running mean of g, m starts at 0)
        v ← β₂ v + (1 − β₂) g²                       (running mean of g², v starts at 0)
        m̂ = m / (1 − β₁ᵏ),  v̂ = v / (1 − β₂ᵏ)         (bias correction: m, v start at 0)
        p ← p − lr · m̂ / (√v̂ + ε)

    Each parameter counts its own steps k, so one whose gradient was missing for a while
    is not corrected as if it had been updated.

    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([1.0], requires_grad=True)
    >>> opt = tg.optim.Adam([w], lr=0.1)
    >>> (w * 3.0).sum().backward(); opt.step()    # first step moves by about lr
    >>> w.data.round(6)
    array([0.9])
    """

    def __init__(self, params: Iterable[Tensor] | Any, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, weight_decay)
        self.lr = real_number(lr, "lr", "Adam", low=0.0)
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"Adam: betas must be a pair (β₁, β₂), got {betas!r}") from None
        self.betas = (real_number(b1, "betas[0]", "Adam", low=0.0, high=1.0),
                      real_number(b2, "betas[1]", "Adam", low=0.0, high=1.0))
        self.eps = real_number(eps, "eps", "Adam", low=0.0)
        self.steps = [0] * len(self.params)
        self.m: list[np.ndarray | None] = [None] * len(self.params)
        self.v: list[np.ndarray | None] = [None] * len(self.params)

    def update(self, i: int, p: Tensor, g: np.ndarray) -> None:
        b1, b2 = self.betas
        m, v = self.m[i], self.v[i]
        if m is None or v is None:
            m, v = np.zeros_like(p.data), np.zeros_like(p.data)
            self.m[i], self.v[i] = m, v
        self.steps[i] += 1
        k = self.steps[i]
        # m moves (1 − β₁) of the way towards g: the same value as β₁m + (1 − β₁)g, in
        # the order PyTorch computes it (results agree with it to ~1e-16 relative)
        m += (1.0 - b1) * (g - m)
        v *= b2
        v += (1.0 - b2) * g * g
        step_size = self.lr / (1.0 - b1**k)
        denom = np.sqrt(v) / math.sqrt(1.0 - b2**k) + self.eps
        p.data -= step_size * m / denom
