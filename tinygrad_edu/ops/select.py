"""Ops that choose, element by element, which value to pass on: maximum, minimum, where, clip.

G passes to the value that was chosen and nowhere else. The operands broadcast like numpy;
each vjp returns gradients in the output's shape, and the engine sums them back to each
operand's shape (``broadcasting.unbroadcast``, the one place that does it).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..broadcasting import broadcast_shape
from ..function import Function
from .reduce import ties_share


def _pick(op: str, pick: np.ufunc, a: np.ndarray,
          b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """out = pick(a, b) (np.maximum or np.minimum), with what ``ties_share`` needs: the pair
    (a, b) stacked on a new first axis, and out with that axis kept as 1."""
    broadcast_shape(op, a.shape, b.shape)
    out = pick(a, b)
    return out, np.stack(np.broadcast_arrays(a, b)), out[np.newaxis]


def _shares(g: np.ndarray, pair: np.ndarray, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    share = ties_share(pair, kept, (0,))
    return g * share[0], g * share[1]


class Maximum(Function):
    """out = max(a, b) elementwise;  dL/da = G where a > b, dL/db = G where b > a

    Where a = b they share G (G/2 each), and a NaN takes G: the tie rule of ``Max``
    (``reduce.ties_share``), applied to the pair (a, b) stacked on a new first axis.
    """

    rule = "d max(a,b)/da = 1 if a > b, ½ if a = b, else 0"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out, self.pair, self.kept = _pick("maximum", np.maximum, a, b)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _shares(g, self.pair, self.kept)


class Minimum(Function):
    """out = min(a, b) elementwise;  dL/da = G where a < b, dL/db = G where b < a

    The tie rule of ``Maximum``: where a = b they share G, and a NaN takes it.
    """

    rule = "d min(a,b)/da = 1 if a < b, ½ if a = b, else 0"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out, self.pair, self.kept = _pick("minimum", np.minimum, a, b)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _shares(g, self.pair, self.kept)


class Where(Function):
    """out = a where cond, else b (cond, a and b broadcast together);
    dL/da = G where cond, 0 elsewhere;  dL/db = G where not cond

    ``cond`` gets no gradient: it chooses, it is not a value the output varies with. A
    condition made from bools arrives as 0.0 / 1.0 (any nonzero value counts as True, as in
    numpy).
    """

    rule = "d where(c, a, b)/da = c, d where(c, a, b)/db = 1 − c"

    def forward(self, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        broadcast_shape("where", cond.shape, a.shape, b.shape,
                        what=f"cond {cond.shape}, a {a.shape} and b {b.shape}")
        self.cond = cond != 0
        return np.where(self.cond, a, b)

    def vjp(self, g: np.ndarray) -> tuple[None, np.ndarray | None, np.ndarray | None]:
        _, da, db = self.needs_input_grad
        return (None, np.where(self.cond, g, 0.0) if da else None,
                np.where(self.cond, 0.0, g) if db else None)


def _bound(name: str, value: Any) -> Any:
    """A bound of clip: None (no bound), a number, or an array of numbers; never NaN."""
    if value is None:
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        bound: Any = float(value)  # a Python float keeps float32 work float32
    else:
        bound = np.asarray(value)
        if bound.dtype.kind not in "iuf":
            raise TypeError(f"clip: {name} must be a number, an array of numbers or None, got "
                            f"{type(value).__name__} {value!r}")
    if np.isnan(bound).any():
        raise ValueError(f"clip: {name} is NaN; give a number, or None for no bound")
    return bound


class Clip(Function):
    """out = lo where a < lo, hi where a > hi, else a;  dL/da = G where lo <= a <= hi, else 0

    Outside [lo, hi] the output is a constant, so no gradient passes there; at a = lo or
    a = hi exactly G passes (as PyTorch's clamp does), and a NaN (which stays NaN) gets 0.
    The bounds are constants (numbers or arrays, no gradient); either may be None.
    """

    rule = "d clip(x)/dx = 1 if lo ≤ x ≤ hi, else 0"

    def forward(self, a: np.ndarray, *, lo: Any = None, hi: Any = None) -> np.ndarray:
        low, high = _bound("lo", lo), _bound("hi", hi)
        if low is None and high is None:
            raise ValueError("clip: give lo, hi or both (None means no bound on that side)")
        given = [(name, b) for name, b in (("lo", low), ("hi", high)) if b is not None]
        broadcast_shape("clip", a.shape, *[np.shape(b) for _, b in given],
                        what=f"the tensor {a.shape} and "
                             + " and ".join(f"{name} {np.shape(b)}" for name, b in given))
        if low is not None and high is not None and np.any(np.greater(low, high)):
            raise ValueError(f"clip: lo ({lo}) is above hi ({hi}); give lo <= hi")
        inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            inside = inside & (a >= low)
        if high is not None:
            inside = inside & (a <= high)
        self.inside = inside
        out: np.ndarray = np.clip(a, low, high)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * self.inside,)
