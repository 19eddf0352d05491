"""Losses, fused into one op each: the value and its gradient written side by side.

Fused rather than composed from smaller ops because the numerics need it: a sigmoid or
softmax followed by a log loses everything to rounding for large inputs, while the fused
formulas stay finite and exact. ``y`` is the prediction, ``t`` the target, N the number of
samples (the first axis), n the number of elements.

Logarithms of probabilities are clamped at -100, as in PyTorch, so that p exactly 0 or 1
gives a large finite loss instead of inf.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..function import Function

LOG_FLOOR = -100.0  # smallest log-probability used in a loss: ln p is read as max(ln p, -100)
_P_FLOOR = float(np.exp(LOG_FLOOR))  # log(max(p, e^-100)) == max(log p, -100), no warning
_EPS = 1e-12  # keeps 1/(p(1-p)) finite at p = 0 or 1, as PyTorch's BCE backward does


def _clamped_log(p: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(p, _P_FLOOR))


def _same_shape(op: str, y: np.ndarray, t: np.ndarray) -> None:
    if y.shape != t.shape:
        raise ShapeError(
            f"{op}: prediction {y.shape} and target {t.shape} differ; give both the same "
            "shape (e.g. t.reshape(y.shape), or check the output layer's size)"
        )


def _check_probabilities(op: str, p: np.ndarray, hint: str) -> None:
    if p.size and not (p.min() >= 0.0 and p.max() <= 1.0):  # also rejects NaN
        raise ValueError(
            f"{op}: expects probabilities in [0, 1], got values from {p.min():.4g} to "
            f"{p.max():.4g}; {hint}"
        )


class SquaredError(Function):
    """E = Σ (y - t)²  (no averaging: one sample's ‖y - t‖²);  dE/dy = 2(y - t) G = -dE/dt"""

    name = "squared_error"
    rule = "dE/dy = 2(y − t)"

    def forward(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        _same_shape("squared_error", y, t)
        self.diff = y - t
        return np.asarray((self.diff * self.diff).sum())

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        gy = 2.0 * g * self.diff
        return gy, (-gy if self.needs_input_grad[1] else None)


class MSE(Function):
    """E = (1/n) Σ (y - t)² over all n elements;  dE/dy = 2(y - t) G / n = -dE/dt"""

    name = "mse"
    rule = "dE/dy = 2(y − t)/n"

    def forward(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        _same_shape("mse", y, t)
        if y.size == 0:
            raise ShapeError("mse: cannot average over zero elements")
        self.diff = y - t
        # Σ (y − t)² as the dot product of the difference with itself: one call, not two
        return np.asarray(np.vdot(self.diff, self.diff) / y.size)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        # G is a single number: fold 2G/n into one Python float, one array product
        gy = self.diff * (2.0 * float(g) / self.diff.size)
        return gy, (-gy if self.needs_input_grad[1] else None)


class BinaryCrossEntropy(Function):
    """E = -(1/n) Σ [t ln p + (1-t) ln(1-p)];  dE/dp = G (p - t) / (n p (1-p)),
    dE/dt = G (ln(1-p) - ln p) / n.  p(1-p) is floored at 1e-12 so p = 0 or 1 stays finite."""

    name = "binary_cross_entropy"
    rule = "dE/dp = (p − t) / (p(1−p)) / n"

    def forward(self, p: np.ndarray, t: np.ndarray) -> np.ndarray:
        _same_shape("binary_cross_entropy", p, t)
        _check_probabilities(
            "binary_cross_entropy", p, "for raw scores use binary_cross_entropy_with_logits"
        )
        self.p, self.t = p, t
        self.log_p, self.log_q = _clamped_log(p), _clamped_log(1.0 - p)
        return np.asarray(-(t * self.log_p + (1.0 - t) * self.log_q).mean())

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        p, t, n = self.p, self.t, self.p.size
        gp = g * (p - t) / (np.maximum(p * (1.0 - p), _EPS) * n) if self.needs_input_grad[0] else None
        gt = g * (self.log_q - self.log_p) / n if self.needs_input_grad[1] else None
        return gp, gt


class BinaryCrossEntropyWithLogits(Function):
    """E = (1/n) Σ [max(z,0) - z t + ln(1 + e^(-|z|))], the BCE of p = σ(z) written so that
    nothing overflows;  dE/dz = G (σ(z) - t) / n,  dE/dt = -G z / n"""

    name = "binary_cross_entropy_with_logits"
    rule = "dE/dz = (σ(z) − t)/n"

    def forward(self, z: np.ndarray, t: np.ndarray) -> np.ndarray:
        _same_shape("binary_cross_entropy_with_logits", z, t)
        self.z, self.t = z, t
        e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
        self.sig = np.where(z >= 0, 1.0, e) / (1.0 + e)
        return np.asarray((np.maximum(z, 0.0) - z * t + np.log1p(e)).mean())

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        n = self.z.size
        gz = g * (self.sig - self.t) / n if self.needs_input_grad[0] else None
        gt = -g * self.z / n if self.needs_input_grad[1] else None
        return gz, gt


def dense_targets(op: str, scores: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Targets as an array of the scores' shape: class indices (N,) become one-hot rows."""
    if scores.ndim not in (1, 2):
        raise ShapeError(
            f"{op}: expects scores of shape (N, K) (or (K,) for one sample), got {scores.shape}"
        )
    if t.shape == scores.shape:
        return t
    if t.shape != scores.shape[:-1]:
        raise ShapeError(
            f"{op}: scores {scores.shape} need targets of shape {scores.shape} (one-hot) or "
            f"{scores.shape[:-1]} (class indices), got {t.shape}"
        )
    k = scores.shape[-1]
    if not (np.all(t == np.round(t)) and t.min(initial=0) >= 0 and t.max(initial=0) < k):
        raise ValueError(
            f"{op}: class indices must be whole numbers in 0..{k - 1}, got values from "
            f"{t.min():.4g} to {t.max():.4g}"
        )
    return np.eye(k, dtype=scores.dtype)[t.astype(np.intp)]


class CrossEntropy(Function):
    """E = -(1/N) Σₙ Σₖ tₙₖ ln pₙₖ for probabilities p (N, K);  dE/dp = -G t / (N p),
    dE/dt = -G ln p / N.  t is one-hot (N, K) or class indices (N,)."""

    name = "cross_entropy"
    rule = "dE/dp = −t/(N·p)"

    def forward(self, p: np.ndarray, t: np.ndarray) -> np.ndarray:
        self.t = dense_targets("cross_entropy", p, t)
        self.indices = self.t is not t
        _check_probabilities("cross_entropy", p, "for raw scores use softmax_cross_entropy")
        self.p, self.n = p, (p.shape[0] if p.ndim == 2 else 1)
        self.log_p = _clamped_log(p)
        return np.asarray(-(self.t * self.log_p).sum() / self.n)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        gp = -g * self.t / (np.maximum(self.p, _EPS) * self.n) if self.needs_input_grad[0] else None
        # class indices are labels, not numbers to differentiate: no gradient for them
        gt = -g * self.log_p / self.n if self.needs_input_grad[1] and not self.indices else None
        return gp, gt


class SoftmaxCrossEntropy(Function):
    """E = -(1/N) Σₙ Σₖ tₙₖ log_softmax(z)ₙₖ for logits z (N, K);
    dE/dz = G (softmax(z) Σₖ tₙₖ - t) / N  (= G (softmax - t)/N for one-hot rows),
    dE/dt = -G log_softmax(z) / N."""

    name = "softmax_cross_entropy"
    rule = "dE/dz = (softmax(z) − t)/N"

    def forward(self, z: np.ndarray, t: np.ndarray) -> np.ndarray:
        self.t = dense_targets("softmax_cross_entropy", z, t)
        self.indices = self.t is not t
        shifted = z - z.max(axis=-1, keepdims=True)
        # log_softmax = shifted - ln Σ e^shifted, subtracted in place (shifted is our own
        # new array): one (N, K) temporary fewer, same values
        shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        self.log_s = shifted
        self.n = z.shape[0] if z.ndim == 2 else 1
        return np.asarray(-(self.t * self.log_s).sum() / self.n)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        gz = gt = None
        if self.needs_input_grad[0]:
            row_mass = self.t.sum(axis=-1, keepdims=True)
            if self.log_s.dtype == self.t.dtype == g.dtype:
                # G (softmax · row_mass - t) / N with the same operations in the same order,
                # in place: four (N, K) temporaries fewer, 0.53 -> 0.28 ms for N=4096, K=10
                # (W3 in BENCHMARKS.md). Mixed dtypes take the formula below, whose
                # promotions in-place updates would not follow.
                gz = np.exp(self.log_s)
                gz *= row_mass
                gz -= self.t
                gz *= g
                gz /= self.n
            else:
                gz = g * (np.exp(self.log_s) * row_mass - self.t) / self.n
        if self.needs_input_grad[1] and not self.indices:
            gt = -g * self.log_s / self.n
        return gz, gt
