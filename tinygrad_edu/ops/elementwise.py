"""Arithmetic and elementwise math.

Notation in every docstring: ``G = dL/dout`` is the upstream gradient, of the output's
shape. Binary ops broadcast like numpy; their vjp returns gradients in the *output* shape and
the engine sums them back to each operand's shape (see ``broadcasting.unbroadcast``).
"""

from __future__ import annotations

import numpy as np

from ..broadcasting import broadcast_shape
from ..errors import explain_refusal
from ..function import Function


def shape_error(op: str, a: np.ndarray, b: np.ndarray, refused: ValueError) -> Exception:
    """numpy ``refused`` ``a <op> b``: the ShapeError that names ``op`` and the axis that
    does not broadcast (see ``errors.explain_refusal``)."""
    return explain_refusal(refused, lambda: broadcast_shape(op, a.shape, b.shape))


class Add(Function):
    """out = a + b;  dL/da = G,  dL/db = G   (each summed over its broadcast axes)"""

    rule = "d(a+b)/da = 1, d(a+b)/db = 1"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            out: np.ndarray = a + b
            return out
        except ValueError as refused:  # the shapes do not broadcast: say so, naming the op
            raise shape_error("add", a, b, refused) from None

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return g, g


class Sub(Function):
    """out = a - b;  dL/da = G,  dL/db = -G"""

    rule = "d(a-b)/da = 1, d(a-b)/db = -1"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        try:
            out: np.ndarray = a - b
            return out
        except ValueError as refused:
            raise shape_error("sub", a, b, refused) from None

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Function):
    """out = a * b;  dL/da = G * b,  dL/db = G * a"""

    rule = "d(a·b)/da = b, d(a·b)/db = a"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        try:
            out: np.ndarray = a * b
            return out
        except ValueError as refused:
            raise shape_error("mul", a, b, refused) from None

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        da, db = self.needs_input_grad
        return (g * self.b if da else None), (g * self.a if db else None)


class Div(Function):
    """out = a / b;  dL/da = G / b,  dL/db = -G * a / b**2 = -G * out / b"""

    rule = "d(a/b)/da = 1/b, d(a/b)/db = -a/b²"
    out: np.ndarray  # saved for vjp

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.b = b
        try:
            self.out = a / b
        except ValueError as refused:
            raise shape_error("div", a, b, refused) from None
        return self.out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        da, db = self.needs_input_grad
        return (g / self.b if da else None), (-g * self.out / self.b if db else None)


class Pow(Function):
    """out = a ** b;  dL/da = G * b * a**(b-1),  dL/db = G * out * ln(a)

    ``ln(a)`` exists only for a > 0. At a = 0 we use the limit a**b ln a -> 0 (b > 0), as
    PyTorch does; for a < 0 the exponent's gradient is undefined and comes out NaN.
    """

    rule = "d(aᵇ)/da = b·aᵇ⁻¹, d(aᵇ)/db = aᵇ·ln a"
    out: np.ndarray  # saved for vjp

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.a, self.b = a, b
        try:
            self.out = a**b
        except ValueError as refused:
            raise shape_error("pow", a, b, refused) from None
        return self.out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        da, db = self.needs_input_grad
        a, b = self.a, self.b
        # where b = 0, a**b = 1 is flat: use exponent 1 there so a = 0 gives 0·0¹, not 0·0⁻¹
        ga = g * b * a ** np.where(b == 0, 1.0, b - 1) if da else None
        gb = None
        if db:
            safe = np.where(a > 0, a, 1.0)  # log only where it is defined
            ln_a = np.where(a > 0, np.log(safe), np.where(a == 0, 0.0, np.nan))
            gb = g * self.out * ln_a
        return ga, gb


class Neg(Function):
    """out = -a;  dL/da = -G"""

    rule = "d(-a)/da = -1"

    def forward(self, a: np.ndarray) -> np.ndarray:
        return -a

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (-g,)


class Exp(Function):
    """out = exp(a);  dL/da = G * out"""

    rule = "d eˣ/dx = eˣ"
    out: np.ndarray  # saved for vjp

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.out = np.exp(a)
        return self.out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * self.out,)


class Log(Function):
    """out = ln(a);  dL/da = G / a   (a > 0; ln 0 = -inf and ln of a negative is NaN)"""

    rule = "d ln x/dx = 1/x"

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        out: np.ndarray = np.log(a)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g / self.a,)


class Sqrt(Function):
    """out = sqrt(a);  dL/da = G / (2 out)"""

    rule = "d √x/dx = 1/(2√x)"
    out: np.ndarray  # saved for vjp

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.out = np.sqrt(a)
        return self.out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g / (2.0 * self.out),)


class Abs(Function):
    """out = |a|;  dL/da = G * sign(a)   (0 at a = 0, the middle of the subgradient [-1, 1])"""

    rule = "d|x|/dx = sign(x), 0 at 0"

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        out: np.ndarray = np.abs(a)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * np.sign(self.a),)


class Square(Function):
    """out = a²;  dL/da = G * 2a"""

    rule = "d x²/dx = 2x"

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        out: np.ndarray = a * a
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * 2.0 * self.a,)
