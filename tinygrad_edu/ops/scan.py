"""Running (cumulative) sums: each output element sums the inputs up to its position.

Notation: ``G = dL/dout``, of the output's shape.
"""

from __future__ import annotations

import numpy as np

from ..function import Function
from .reduce import one_axis


class Cumsum(Function):
    """out[i] = Σ_{j ≤ i} a[j] along ``axis`` (None: along a flattened, giving a 1-D result);
    dL/da[j] = Σ_{i ≥ j} G[i], the running sum of G taken from the end

    Input j feeds every output at or after position j, so it collects their gradients.
    """

    rule = "d outᵢ/daⱼ = 1 if j ≤ i: the running sum of G from the end"

    def forward(self, a: np.ndarray, *, axis: int | None = None) -> np.ndarray:
        self.shape = a.shape
        if axis is None:
            self.axis, a = 0, a.reshape(-1)
        else:
            self.axis = one_axis("cumsum", axis, a.ndim)
        return np.cumsum(a, axis=self.axis)

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        from_end = np.flip(np.cumsum(np.flip(g, self.axis), axis=self.axis), self.axis)
        return (from_end.reshape(self.shape),)
