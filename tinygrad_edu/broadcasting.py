"""Broadcasting, forwards and backwards.

Forward, numpy stretches axes of size 1 and prepends missing axes. Each stretched element
is *used several times*, so backward its gradient is the *sum* of the gradients of all its
copies: ``unbroadcast`` sums the upstream gradient over exactly those axes. This is the one
place in the project where that happens.
"""

from __future__ import annotations

import numpy as np

from .errors import ShapeError


def broadcast_shape(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape numpy broadcasting gives ``shapes``, or a ``ShapeError`` naming ``op``.

    >>> broadcast_shape("add", (32, 1), (4,))
    (32, 4)
    """
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    out = []
    for axis, sizes in enumerate(zip(*padded)):
        big = {n for n in sizes if n != 1}
        if len(big) > 1:
            shown = " and ".join(str(tuple(s)) for s in shapes)
            raise ShapeError(
                f"{op}: shapes {shown} do not broadcast: axis {axis - ndim} has sizes "
                f"{' vs '.join(str(n) for n in sizes)}; sizes must be equal or 1 "
                "(reshape one operand, or check which axis holds the batch)"
            )
        out.append(big.pop() if big else 1)
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
    return grad.sum(axis=axes, keepdims=True).reshape(shape)
