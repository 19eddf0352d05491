"""The perceptron (Rosenblatt, 1958): a step neuron trained by its own rule, not by gradients.

    predict:  y = step(w · x + b)            (1 if w · x + b >= 0, else 0)
    compare:  e = t − y                      (0 when right, ±1 when wrong)
    adjust:   w ← w + η e x,   b ← b + η e
    repeat    over the samples until an epoch makes no mistake.

If the two classes can be split by a line (a hyperplane), this stops after finitely many
mistakes (the perceptron convergence theorem). For XOR no such line exists, so it never
stops on its own: ``fit`` gives up after ``epochs`` and reports that it did not converge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..arguments import RngLike, data_array, real_number, whole_number
from ..errors import ShapeError
from ..modes import no_grad
from ..tensor import Tensor
from .layers import Neuron


@dataclass
class PerceptronResult:
    """What ``Perceptron.fit`` did: ``converged`` is True when an epoch made no mistake.

    ``errors[k]`` is the number of misclassified samples seen during epoch k (before each
    sample's own update); ``epochs`` is how many epochs ran.
    """

    converged: bool
    epochs: int
    errors: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.converged

    def __str__(self) -> str:
        if self.converged:
            return f"converged after {self.epochs} epochs (mistakes per epoch: {self.errors})"
        return (f"did NOT converge in {self.epochs} epochs (still {self.errors[-1]} mistakes in "
                "the last one): the classes are probably not linearly separable")


class Perceptron(Neuron):
    """A step-activation neuron, y = step(w · x + b) ∈ {0, 1}, trained with ``fit``.

    >>> import tinygrad_edu as tg
    >>> X, t = tg.datasets.and_gate()
    >>> p = tg.nn.Perceptron(2, rng=0)
    >>> p.fit(X, t, epochs=50).converged
    True
    >>> p(X).numpy().tolist()
    [0.0, 0.0, 0.0, 1.0]
    >>> tg.nn.Perceptron(2, rng=0).fit(*tg.datasets.xor_gate(), epochs=50).converged
    False
    """

    def __init__(self, n_inputs: int, *, rng: RngLike = None) -> None:
        super().__init__(n_inputs, "step", rng=rng)

    def forward(self, x: Any) -> Tensor:
        with no_grad():  # a step passes no gradient anyway; record nothing
            return super().forward(x)

    def fit(self, X: Any, t: Any, epochs: int = 100, lr: float = 1.0) -> PerceptronResult:
        """Run the perceptron learning rule over the rows of X in order, epoch after epoch.

        X: (N, n_inputs) array; t: (N,) targets in {0, 1}; ``lr`` is η above. Stops after the
        first epoch without a mistake. Returns a ``PerceptronResult`` (truthy if converged).
        """
        where = f"{self._label()}.fit"
        # the same checks as tg.fit: real numbers, at least one row, no NaN or infinity
        X = data_array(X.data if isinstance(X, Tensor) else X, "X", where).astype(np.float64)
        t = data_array(t.data if isinstance(t, Tensor) else t, "t", where).astype(np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ShapeError(f"{where}: X must have shape (N, {self.n_inputs}), got {X.shape}")
        if t.shape != (X.shape[0],):
            raise ShapeError(f"{where}: t must have shape ({X.shape[0]},) (one target per row "
                             f"of X), got {t.shape}")
        if not np.all((t == 0) | (t == 1)):
            raise ValueError(f"{where}: targets must be 0 or 1, got values "
                             f"{np.unique(t)[:5].tolist()}")
        epochs = whole_number(epochs, "epochs", where)
        lr = real_number(lr, "lr", where, low=0.0, low_inclusive=False)
        w, b = self.w.data.copy(), float(self.b.data)
        errors: list[int] = []
        for _ in range(epochs):
            mistakes = 0
            for x_n, t_n in zip(X, t, strict=True):
                y_n = 1.0 if w @ x_n + b >= 0 else 0.0  # predict
                e = t_n - y_n  # compare
                if e != 0:  # adjust
                    w += lr * e * x_n
                    b += lr * e
                    mistakes += 1
            errors.append(mistakes)
            if mistakes == 0:  # repeat until nothing is wrong
                break
        self.w.data, self.b.data = w, np.array(b)
        return PerceptronResult(converged=errors[-1] == 0, epochs=len(errors), errors=errors)
