"""tinygrad_edu: a small autograd framework on numpy, written to be read.

>>> import tinygrad_edu as tg
>>> x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
array([2., 4., 6.])

The core (Tensor, ops, backward) is imported at once. The larger parts (``tg.nn``,
``tg.optim``, ``tg.viz``, ...) are imported the first time they are used, so
``import tinygrad_edu`` stays fast and does not need matplotlib or hypothesis.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import functional, gradcheck, ops
from .compiler import RecompileWarning, compile
from .creation import arange, eye, full, linspace, ones, ones_like, randn, tensor, zeros, zeros_like
from .errors import ShapeError
from .function import Function
from .modes import detect_anomaly, enable_grad, no_grad
from .routines import cat, clip, concatenate, maximum, minimum, stack, tile, where
from .tensor import Tensor, apply

if TYPE_CHECKING:  # what the lazy names below resolve to, for editors and type checkers
    from . import datasets, exercises, nn, optim, testing, viz
    from . import plot as plot  # on its own line: mypy (1.x) reports it missing in the list above
    from .recorder import Recorder
    from .trace import trace_backward
    from .train import fit


def dot(a: Any, b: Any) -> Tensor:
    """The dot / matrix product of 1-D or 2-D operands: ``tg.dot(w, x)`` is w·x."""
    from .ops.linalg import Dot

    return apply(Dot, a, b)


# name -> (module, attribute or None for the module itself), imported on first use
_LAZY = {
    "nn": ("nn", None),
    "optim": ("optim", None),
    "datasets": ("datasets", None),
    "viz": ("viz", None),
    "plot": ("plot", None),  # needs matplotlib (the `examples` extra)
    "testing": ("testing", None),  # needs hypothesis (the `test` extra)
    "exercises": ("exercises", None),  # the checks of docs/tutorial/09_exercises.md
    "trace_backward": ("trace", "trace_backward"),
    "Recorder": ("recorder", "Recorder"),  # a training recorder (a fit callback)
    "fit": ("train", "fit"),  # the training loop helper (train.py)
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'tinygrad_edu' has no attribute {name!r}")
    module_name, attr = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value  # later look-ups find it directly
    return value


def __dir__() -> list[str]:
    """What ``dir(tg)`` and tab completion show: the public names (lazy ones included, before
    their first use) and the module's dunders, not the helpers the code above imports."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__"))})


__version__ = "0.1.0"
__all__ = [
    "Function", "RecompileWarning", "Recorder", "ShapeError", "Tensor", "apply", "arange", "cat",
    "clip", "compile", "concatenate", "datasets", "detect_anomaly", "dot", "enable_grad",
    "exercises", "eye", "fit", "full", "functional", "gradcheck", "linspace", "maximum",
    "minimum", "nn", "no_grad", "ones", "ones_like", "ops", "optim", "plot", "randn", "stack",
    "tensor", "testing", "tile", "trace_backward", "viz", "where", "zeros", "zeros_like",
]
