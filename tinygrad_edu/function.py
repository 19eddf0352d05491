"""The base class of every operation: a forward on arrays and its vector-Jacobian product.

An op knows nothing of ``Tensor``. ``forward`` receives plain ``np.ndarray`` inputs, returns
the output array and keeps on ``self`` whatever ``vjp`` will need. ``vjp(G)`` receives the
upstream gradient ``G = dL/dout`` (same shape as the output) and returns a tuple with one
gradient per input, in the *output's* broadcast shape if that is simpler: the engine sums
broadcast axes back to each input's shape in one place (``broadcasting.unbroadcast``).

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
from typing import Any

import numpy as np


class Function:
    """One differentiable operation. Subclass it, write ``forward`` and ``vjp``.

    Class attributes a subclass may set:
      ``name``: the op's name as ``Tensor.op`` shows it (default: the class name, lowercased);
      ``rule``: the local derivative in words, shown by ``trace_backward``.

    The rest is set on a recorded instance by ``tg.apply`` (read it, do not set it). ``params``,
    the keyword arguments ``forward`` was called with (e.g. ``{"axis": 1}``), lets the op run
    again: ``type(fn)().forward(*arrays, **fn.params)`` (``gradcheck.locate`` does this).
    """

    name: str = "function"
    rule: str = ""
    #: for each input: does it need a gradient? (vjp may return None where it does not)
    needs_input_grad: tuple[bool, ...] = ()
    #: the keyword arguments of ``forward``
    params: Mapping[str, Any] = MappingProxyType({})
    #: how many in-place changes had been made when forward ran (``versions.CHANGES``):
    #: backward checks the saved values only if one was made since (see versions.py)
    changes_before: int = 0
    #: checksums of the same arrays, taken only inside ``detect_anomaly`` (see guards.py)
    fingerprints: tuple[int, ...] | None = None
    #: True once backward has freed what forward saved (see ``release``)
    freed: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__.lower()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:  # ``Swish(x)``: a natural first try, answered with the right call
            name = type(self).__name__
            raise TypeError(f"{name}(...) makes an empty op object; to run the op on tensors "
                            f"call {name}.apply(...) (or tg.apply({name}, ...))")

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """``MyOp.apply(x, y, axis=1)``: run the op on tensors and record it, the same as
        ``tg.apply(MyOp, x, y, axis=1)``. Numbers and arrays among the inputs are constants.

        An op knows nothing of Tensor, so the recording is left to the tensors: the first
        input that is a Tensor runs ``tg.apply`` (``Tensor.apply_op``)."""
        for x in inputs:
            run = getattr(type(x), "apply_op", None)
            if run is not None:
                return run(cls, *inputs, **params)
        raise TypeError(f"{cls.__name__}.apply: no input is a Tensor, so there is nothing to "
                        f"record; pass at least one Tensor (or call tg.apply({cls.__name__}, "
                        "...) to get a constant Tensor)")

    # (*Any, **Any) lets each op declare its own inputs and keyword parameters
    def forward(self, *arrays: Any, **params: Any) -> np.ndarray:
        """Compute the output array from the input arrays; save what ``vjp`` needs."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(*arrays)")

    def vjp(self, grad_out: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """Return ``dL/d input_i`` for every input, given ``grad_out = dL/d output``."""
        raise NotImplementedError(f"{type(self).__name__} must define vjp(grad_out)")

    def release(self) -> None:
        """Free the arrays forward saved (a later backward through this op is an error); keep
        what ``apply`` recorded, so pictures drawn after backward can still label the op."""
        self.__dict__ = {"needs_input_grad": self.needs_input_grad, "params": self.params,
                         "freed": True}


def inherited_rule(op: type[Function]) -> type[Function] | None:
    """The ancestor whose ``rule`` text ``op`` inherits although ``op`` overrides its vjp, or
    None. That text describes the ancestor's vjp, not the one ``op`` runs (a subclass that
    changes only ``vjp``, e.g. to break it on purpose, keeps the parent's words)."""
    ops = [c for c in op.__mro__ if issubclass(c, Function)]  # op, its parents, ..., Function
    rule_from = next(c for c in ops if "rule" in c.__dict__)
    vjp_from = next(c for c in ops if "vjp" in c.__dict__)
    if rule_from is Function or issubclass(rule_from, vjp_from):
        return None
    return rule_from


def rule_of(op: type[Function]) -> str:
    """The local derivative of ``op``'s own vjp in words: its ``rule``, else the first line of
    its docstring; "" when neither was written for that vjp (see ``inherited_rule``)."""
    rule = "" if inherited_rule(op) is not None else op.rule
    return rule or (op.__doc__ or "").strip().split("\n")[0]
