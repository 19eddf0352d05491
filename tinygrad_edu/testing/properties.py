"""One line turns a gradient check into a property-based test.

    test_softplus = gradient_property(softplus, tensors(shape=(3, 4)))

is a pytest test (its name starts with ``test_``) that draws inputs from the strategies and
asserts ``gradcheck`` on each draw. When it fails, hypothesis shrinks the inputs to a
simple failing example and prints it (``Falsifying example: ...(x=Tensor([...]))``) above
the gradcheck table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ..gradcheck import gradcheck

__all__ = ["gradient_property"]


def gradient_property(f: Callable[..., Any], *strategies: st.SearchStrategy[Any],
                      **gradcheck_options: Any) -> Callable[[], None]:
    """A hypothesis test asserting ``gradcheck(f, *inputs, **gradcheck_options)`` for inputs
    drawn from ``strategies``, one per argument of f; a strategy that draws a tuple (such as
    ``broadcastable_tensors()``) fills several arguments.

    >>> from tinygrad_edu.testing import broadcastable_tensors, tensors
    >>> test_tanh = gradient_property(lambda x: x.tanh(), tensors(shape=(3, 4)))
    >>> test_tanh()                                   # pytest calls it the same way
    >>> test_mul = gradient_property(lambda a, b: a * b, broadcastable_tensors(2))
    >>> test_mul()
    """
    def check(inputs: tuple[Any, ...]) -> None:
        args = [a for d in inputs for a in (d if isinstance(d, tuple) else (d,))]
        assert gradcheck(f, *args, **gradcheck_options)

    name = getattr(f, "__name__", "f")
    check.__name__ = check.__qualname__ = f"gradcheck_{'lambda' if name == '<lambda>' else name}"
    # one tuple argument: @given cannot fill *args, and "inputs=(...)" reads well when shown
    return given(st.tuples(*strategies))(check)
