"""The base class of every operation: a forward on arrays and its vector-Jacobian product.

An op knows nothing of ``Tensor``. ``forward`` receives plain ``np.ndarray`` inputs, returns
the output array and keeps on ``self`` whatever ``vjp`` will need. ``vjp(G)`` receives the
upstream gradient ``G = dL/dout`` (same shape as the output) and returns one gradient per
input, in the *output's* broadcast shape if that is simpler: the engine sums broadcast axes
back to each input's shape in one place (``broadcasting.unbroadcast``).

``self.needs_input_grad`` (a tuple of bools, one per input) is set before ``vjp`` runs, so a
rule can skip work for inputs that need no gradient; return ``None`` for those.

Writing your own op::

    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> class Cube(tg.Function):
    ...     "out = x**3;  dL/dx = G * 3 x**2"
    ...     rule = "d x³/dx = 3x²"
    ...     def forward(self, x):
    ...         self.x = x
    ...         return x ** 3
    ...     def vjp(self, g):
    ...         return (g * 3 * self.x ** 2,)
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
    >>> y = Cube.apply(x)            # the same as tg.apply(Cube, x)
    >>> y.op
    'cube'
    >>> y.sum().backward()
    >>> x.grad
    array([ 3., 12.])
    >>> tg.gradcheck.gradcheck(Cube.apply, x)   # central differences agree with the rule
    True

docs/custom_ops.md walks through writing, checking and debugging an op.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ShapeError

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["Function", "ShapeError"]


class Function:
    """One differentiable operation. Subclass it, write ``forward`` and ``vjp``.

    Class attributes a subclass may set:
      ``name``: the op's name as ``Tensor.op`` shows it (default: the class name, lowercased);
      ``rule``: the local derivative in words, shown by ``trace_backward``.

    Set on a recorded instance (read them, do not set them): ``needs_input_grad``, and
    ``params``, the keyword arguments ``forward`` was called with (e.g. ``{"axis": 1}``), so
    the op can be run again: ``type(fn)().forward(*arrays, **fn.params)`` (``gradcheck.locate``
    does this). Call an op with ``MyOp.apply(x, y, axis=1)`` or ``tg.apply(MyOp, x, y, axis=1)``.
    """

    name: str = "function"
    rule: str = ""
    needs_input_grad: tuple[bool, ...] = ()
    params: Mapping[str, Any] = MappingProxyType({})
    #: True once backward has freed what forward saved (see ``release``).
    freed: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__.lower()

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run this op on Tensors (numbers and arrays are constants) and record it: the same
        as ``tg.apply(cls, *inputs, **params)``. ``params`` go to ``forward`` as keywords."""
        from .tensor import apply  # late: ops know nothing of Tensor until they are called

        return apply(cls, *inputs, **params)

    # (*Any, **Any) lets each op declare its own inputs and keyword parameters
    def forward(self, *arrays: Any, **params: Any) -> np.ndarray:
        """Compute the output array from the input arrays; save what ``vjp`` needs."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(*arrays)")

    def vjp(self, grad_out: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """Return ``dL/d input_i`` for every input, given ``grad_out = dL/d output``."""
        raise NotImplementedError(f"{type(self).__name__} must define vjp(grad_out)")

    def release(self) -> None:
        """Free the arrays that forward saved; a later backward through this op is an error."""
        self.__dict__.clear()
        self.freed = True
