"""Losses, fused into one op each: the value and its gradient written side by side.

Fused rather than composed from smaller ops because the numerics need it: a sigmoid or
softmax followed by a log loses everything to rounding for large inputs, while the fused
formulas stay finite and exact. ``y`` is the prediction, ``t`` the target, N the number of
samples (the first axis), n the number of elements. Every loss refuses an empty batch. The
losses over K classes (cross_entropy, softmax_cross_entropy) are in ``classification.py``.

Logarithms of probabilities are clamped at -100, as in PyTorch: ``ln p`` is read as
``max(ln p, -100)``, so p exactly 0 or 1 gives a large finite loss instead of inf. The
gradient is that of the clamped function, the same clamp in forward and vjp: ``1/p`` where
ln p > -100, and 0 where the clamp holds (p < e^-100 ≈ 3.7e-44, p = 0 included), where the
loss is flat. So the gradient always agrees with central differences of the loss itself;
where p saturates at exactly 0 or 1, only the ``*_with_logits`` / ``softmax_*`` forms,
computed from the scores, still have a gradient.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..function import Function
from .activations import stable_sigmoid

LOG_FLOOR = -100.0  # the smallest log-probability a loss uses: ln p is read as max(ln p, -100)


def clamped_log(p: np.ndarray) -> np.ndarray:
    """max(ln p, LOG_FLOOR) for probabilities p (ln 0 = -inf is clamped too, without a warning).

    The clamp is on ln p, not on p: e^-100 is not a float32 number, so clamping p would make
    the float32 floor ln(3.6e-44) = -99.97 instead of -100.
    """
    with np.errstate(divide="ignore"):
        log_p: np.ndarray = np.maximum(np.log(p), LOG_FLOOR)
    return log_p


def clamped_log_slope(p: np.ndarray, log_p: np.ndarray) -> np.ndarray:
    """d/dp of ``clamped_log(p)`` (given as ``log_p``): 1/p where ln p is above the floor,
    0 where the clamp holds it (there the loss does not change with p)."""
    slope: np.ndarray = np.divide(1.0, p, out=np.zeros_like(p), where=log_p > LOG_FLOOR)
    return slope


def _same_shape(op: str, y: np.ndarray, t: np.ndarray) -> None:
    if y.shape != t.shape:
        raise ShapeError(
            f"{op}: prediction {y.shape} and target {t.shape} differ; give both the same "
            "shape (e.g. t.reshape(y.shape), or check the output layer's size)"
        )
    if y.size == 0:
        raise ShapeError(f"{op}: the batch is empty (prediction of shape {y.shape}); a loss "
                         "needs at least one sample")


_TARGETS_HINT = "they are the probabilities of class 1 (labels 0 and 1, or soft labels)"


def check_unit_interval(op: str, what: str, x: np.ndarray, hint: str) -> None:
    """A ValueError naming the values of ``x`` outside [0, 1] (NaN included), if any."""
    if x.min() >= 0.0 and x.max() <= 1.0:  # False for NaN: it falls through to the report
        return
    bad = ~((x >= 0.0) & (x <= 1.0))
    values = x[bad]
    shown = ", ".join(f"{v:.4g}" for v in values[:3])
    more = f" and {values.size - 3} more" if values.size > 3 else ""
    first = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), x.shape))
    raise ValueError(f"{op}: {what} must lie in [0, 1], got {shown}{more} (the first at index "
                     f"{first}); {hint}")


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
        self.diff = y - t
        # Σ (y − t)² as the dot product of the difference with itself: one call, not two
        return np.asarray(np.vdot(self.diff, self.diff) / y.size)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        # G is a single number: fold 2G/n into one Python float, one array product
        gy = self.diff * (2.0 * float(g) / self.diff.size)
        return gy, (-gy if self.needs_input_grad[1] else None)


class BinaryCrossEntropy(Function):
    """E = -(1/n) Σ [t ln p + (1-t) ln(1-p)], each ln clamped at -100 (see the module doc);
    dE/dp = G [(1-t)/(1-p) - t/p] / n = G (p - t) / (n p(1-p)),  dE/dt = G (ln(1-p) - ln p) / n.
    """

    name = "binary_cross_entropy"
    rule = "dE/dp = (p − t) / (p(1−p)) / n"

    def forward(self, p: np.ndarray, t: np.ndarray) -> np.ndarray:
        op = "binary_cross_entropy"
        _same_shape(op, p, t)
        check_unit_interval(op, "the probabilities p", p,
                             "for raw scores use binary_cross_entropy_with_logits")
        check_unit_interval(op, "the targets t", t, _TARGETS_HINT)
        self.p, self.t = p, t
        self.log_p, self.log_q = clamped_log(p), clamped_log(1.0 - p)
        return np.asarray(-(t * self.log_p + (1.0 - t) * self.log_q).mean())

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        p, t, n = self.p, self.t, self.p.size
        gp = gt = None
        if self.needs_input_grad[0]:
            # (p - t)/(p(1-p)), one fraction, keeps p - t exact where p is near t; where a
            # clamp holds (p < e^-100, or 1 - p), that log is flat and the other term is all
            free = (self.log_p > LOG_FLOOR) & (self.log_q > LOG_FLOOR)
            one_side = ((1.0 - t) * clamped_log_slope(1.0 - p, self.log_q)
                        - t * clamped_log_slope(p, self.log_p))
            d = np.where(free, (p - t) / np.where(free, p * (1.0 - p), 1.0), one_side)
            gp = g * d / n
        if self.needs_input_grad[1]:
            gt = g * (self.log_q - self.log_p) / n
        return gp, gt


class BinaryCrossEntropyWithLogits(Function):
    """E = (1/n) Σ [max(z,0) - z t + ln(1 + e^(-|z|))], the BCE of p = σ(z) written so that
    nothing overflows;  dE/dz = G (σ(z) - t) / n,  dE/dt = -G z / n"""

    name = "binary_cross_entropy_with_logits"
    rule = "dE/dz = (σ(z) − t)/n"

    def forward(self, z: np.ndarray, t: np.ndarray) -> np.ndarray:
        op = "binary_cross_entropy_with_logits"
        _same_shape(op, z, t)
        check_unit_interval(op, "the targets t", t, _TARGETS_HINT)
        self.z, self.t = z, t
        e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
        self.sig = stable_sigmoid(z, e)
        return np.asarray((np.maximum(z, 0.0) - z * t + np.log1p(e)).mean())

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        n = self.z.size
        gz = g * (self.sig - self.t) / n if self.needs_input_grad[0] else None
        gt = -g * self.z / n if self.needs_input_grad[1] else None
        return gz, gt

