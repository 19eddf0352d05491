"""tinygrad_edu: a small autograd framework on numpy, written to be read.

>>> import tinygrad_edu as tg
>>> x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
array([2., 4., 6.])
"""

from . import functional, ops
from .engine import detect_anomaly, no_grad
from .errors import ShapeError
from .function import Function
from .tensor import Tensor, apply, ones, randn, tensor, zeros
from .tensor_math import TensorMath


def dot(a: object, b: object) -> Tensor:
    """The dot / matrix product of 1-D or 2-D operands: ``tg.dot(w, x)`` is w·x."""
    from .ops.linalg import Dot

    return apply(Dot, a, b)


__version__ = "0.1.0"
__all__ = [
    "Function", "ShapeError", "Tensor", "TensorMath", "apply", "detect_anomaly", "dot",
    "functional", "no_grad", "ones", "ops", "randn", "tensor", "zeros",
]
