"""The project's own exception types."""

from __future__ import annotations

from collections.abc import Callable


class ShapeError(ValueError):
    """Raised for every shape mismatch: the message names the operation and the shapes.

    It subclasses ``ValueError`` so code that already catches ``ValueError`` keeps working.

    >>> import tinygrad_edu as tg
    >>> try:
    ...     tg.ones(32, 4) @ tg.ones(3, 1)
    ... except tg.ShapeError as e:
    ...     print(e)
    matmul: (32, 4) @ (3, 1): inner dimensions differ (4 != 3); the last axis ...
    (transpose one operand with .T?)
    """


def explain_refusal(refused: ValueError, check: Callable[[], object]) -> Exception:
    """numpy ``refused`` an op with a ValueError that names no op: the ShapeError that
    ``check`` (the op's own shape rule) raises for the same inputs, else numpy's error (some
    other problem). Ops raise the result ``from None``, so numpy's message does not repeat it
    less clearly above it; numpy checks the shapes as it computes, so the usual case costs
    nothing extra."""
    try:
        check()
    except ShapeError as explained:
        return explained
    return refused
