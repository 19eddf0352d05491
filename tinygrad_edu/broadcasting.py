"""Broadcasting, forwards and backwards.

Forward, numpy stretches axes of size 1 and prepends missing axes. Each stretched element
is *used several times*, so backward its gradient is the *sum* of the gradients of all its
copies: ``unbroadcast`` sums the upstream gradient over exactly those axes. This is the one
place in the project where that happens.
"""

from __future__ import annotations

import numpy as np

from .errors import ShapeError


def broadcast_shape(op: str, first: tuple[int, ...], *shapes: tuple[int, ...],
                    what: str = "") -> tuple[int, ...]:
    """The shape numpy broadcasting gives the shapes, or a ``ShapeError`` naming ``op`` and
    ``what`` was broadcast (default: "shapes ... and ...").

    >>> broadcast_shape("add", (32, 1), (4,))
    (32, 4)
    """
    # a fold over the shapes, two at a time; equal shapes need no work
    out = tuple(first)
    for shape in shapes:
        if shape != out:
            out = _broadcast_pair(out, tuple(shape), op, (first, *shapes), what)
    return out


def _broadcast_pair(a: tuple[int, ...], b: tuple[int, ...], op: str,
                    shapes: tuple[tuple[int, ...], ...], what: str) -> tuple[int, ...]:
    # numpy's rule: align the shapes on the right (the shorter one gets leading 1s); along
    # each axis the sizes are equal, or one of them is 1 (then it stretches)
    if len(a) < len(b):
        a, b = b, a
    out = list(a)
    lead = len(a) - len(b)
    for i, m in enumerate(b, lead):
        n = a[i]
        if n != m:
            if n == 1:
                out[i] = m
            elif m != 1:
                axis = i - len(a)
                shown = what or "shapes " + " and ".join(str(tuple(s)) for s in shapes)
                at = [s[axis] if -axis <= len(s) else 1 for s in shapes]
                raise ShapeError(
                    f"{op}: {shown} do not broadcast: axis {axis} has sizes "
                    f"{' vs '.join(str(k) for k in at)}; sizes must be equal or 1 "
                    "(reshape one operand, or check which axis holds the batch)"
                )
    return tuple(out)


def summed_axes(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """Axes of a gradient of ``grad_shape`` that must be summed to give ``shape``.

    >>> summed_axes((32, 4), (4,))
    (0,)
    >>> summed_axes((32, 4), (32, 1))
    (1,)
    """
    lead = len(grad_shape) - len(shape)
    axes = list(range(lead))  # the axes broadcasting prepended
    for i, n in enumerate(shape):
        if n == 1 and grad_shape[i + lead] != 1:  # an axis of size 1 that was stretched
            axes.append(i + lead)
    return tuple(axes)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes broadcasting stretched, giving an array of ``shape``.

    If ``y = x + b`` with ``x`` (N, K) and ``b`` (K,), each ``b[k]`` fed N outputs, so
    ``dL/db[k] = sum_n G[n, k]``:

    >>> unbroadcast(np.ones((3, 2)), (2,))
    array([3., 3.])
    """
    if grad.shape == shape:
        return grad
    axes = summed_axes(grad.shape, shape)
    # keepdims: the sum stays an array even when it is a single number (reshaping a numpy
    # scalar object costs ~0.35 µs more, on every bias gradient); same values either way
    summed: np.ndarray = grad.sum(axis=axes, keepdims=True)
    return summed.reshape(shape)
