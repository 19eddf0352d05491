"""Sine and cosine, each the other's derivative (up to a sign).

Notation: ``G = dL/dout``, of the output's (= the input's) shape.
"""

from __future__ import annotations

import numpy as np

from ..function import Function


class Sin(Function):
    """out = sin(a);  dL/da = G * cos(a)"""

    rule = "d sin x/dx = cos x"

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        out: np.ndarray = np.sin(a)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * np.cos(self.a),)


class Cos(Function):
    """out = cos(a);  dL/da = -G * sin(a)"""

    rule = "d cos x/dx = −sin x"

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        out: np.ndarray = np.cos(a)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (-g * np.sin(self.a),)
