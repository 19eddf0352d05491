"""Toy data for the first neurons: logic gates and linearly separable points in the plane."""

from __future__ import annotations

import math
from typing import Literal, overload

import numpy as np

from ..arguments import RngLike, as_generator, check_real
from .prep import FloatArray

_GATE_INPUTS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
_GATE_OUTPUTS: dict[str, tuple[float, float, float, float]] = {
    "and": (0.0, 0.0, 0.0, 1.0),
    "or": (0.0, 1.0, 1.0, 1.0),
    "xor": (0.0, 1.0, 1.0, 0.0),
    "nand": (1.0, 1.0, 1.0, 0.0),
    "nor": (1.0, 0.0, 0.0, 0.0),
}


def logic_gate(name: str) -> tuple[FloatArray, FloatArray]:
    """Return the truth table of a two-input logic gate.

    ``name`` is one of ``"and"``, ``"or"``, ``"xor"``, ``"nand"``, ``"nor"``
    (case-insensitive). The inputs ``X`` have shape (4, 2) with rows
    (0,0), (0,1), (1,0), (1,1); the outputs ``t`` have shape (4,). Both are
    new float64 arrays. XOR is the classic example that no single linear
    unit can learn.

    >>> X, t = logic_gate("xor")
    >>> X.tolist()
    [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    >>> t.tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    if not isinstance(name, str):
        raise TypeError(f"logic_gate: name must be a str, got {type(name).__name__} {name!r}")
    key = name.strip().lower()
    if key not in _GATE_OUTPUTS:
        known = ", ".join(repr(k) for k in _GATE_OUTPUTS)
        raise ValueError(f"logic_gate: unknown gate {name!r}; known gates are {known}")
    X = np.array(_GATE_INPUTS, dtype=np.float64)
    t = np.array(_GATE_OUTPUTS[key], dtype=np.float64)
    return X, t


def and_gate() -> tuple[FloatArray, FloatArray]:
    """Truth table of AND; same as ``logic_gate("and")``.

    >>> and_gate()[1].tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    return logic_gate("and")


def or_gate() -> tuple[FloatArray, FloatArray]:
    """Truth table of OR; same as ``logic_gate("or")``.

    >>> or_gate()[1].tolist()
    [0.0, 1.0, 1.0, 1.0]
    """
    return logic_gate("or")


def xor_gate() -> tuple[FloatArray, FloatArray]:
    """Truth table of XOR; same as ``logic_gate("xor")``.

    >>> xor_gate()[1].tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    return logic_gate("xor")


@overload
def linearly_separable(
    n: int = ..., *, margin: float = ..., rng: RngLike = ..., return_line: Literal[False] = ...
) -> tuple[FloatArray, FloatArray]: ...


@overload
def linearly_separable(
    n: int = ..., *, margin: float = ..., rng: RngLike = ..., return_line: Literal[True]
) -> tuple[FloatArray, FloatArray, FloatArray, float]: ...


@overload
def linearly_separable(
    n: int = ..., *, margin: float = ..., rng: RngLike = ..., return_line: bool
) -> tuple[FloatArray, FloatArray] | tuple[FloatArray, FloatArray, FloatArray, float]: ...


def linearly_separable(
    n: int = 100,
    *,
    margin: float = 0.5,
    rng: RngLike = None,
    return_line: bool = False,
) -> tuple[FloatArray, FloatArray] | tuple[FloatArray, FloatArray, FloatArray, float]:
    """Random 2-D points on either side of a line, at least ``margin`` away from it.

    A random line ``w . x + b = 0`` is drawn (``w`` a unit vector in a random
    direction, ``b`` uniform in [-0.5, 0.5], so the line passes near the
    origin). Points with ``w . x + b > 0`` get label 1, the others label 0;
    every point is strictly more than ``margin`` from the line, and the two
    classes have sizes ``ceil(n/2)`` and ``floor(n/2)`` in random order.
    Points lie within about 3 + ``margin`` + 2 of the origin.

    Returns ``(X, t)`` with ``X`` of shape (n, 2) and ``t`` of shape (n,), both
    float64. With ``return_line=True`` returns ``(X, t, w, b)``: the unit
    normal ``w`` (shape (2,)) and offset ``b`` of the separating line, so a
    solution that is known to exist can be checked.

    >>> X, t = linearly_separable(6, margin=0.25, rng=0)
    >>> X.shape, t.shape
    ((6, 2), (6,))
    >>> sorted(t.tolist())
    [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    >>> X, t, w, b = linearly_separable(50, rng=1, return_line=True)
    >>> bool(np.all((X @ w + b > 0) == (t == 1)))
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linearly_separable: n must be an int, got {type(n).__name__} {n!r}")
    if n < 2:
        raise ValueError(f"linearly_separable: n must be >= 2 (one point per class), got {n}")
    check_real(margin, "margin", "linearly_separable")
    if not (math.isfinite(margin) and margin >= 0):
        raise ValueError(f"linearly_separable: margin must be finite and >= 0, got {margin}")
    gen = as_generator(rng, "linearly_separable")
    n = int(n)
    margin = float(margin)

    angle = gen.uniform(0.0, 2.0 * np.pi)
    w = np.array([np.cos(angle), np.sin(angle)])  # unit normal of the line
    u = np.array([-w[1], w[0]])  # unit direction along the line
    b = float(gen.uniform(-0.5, 0.5))

    labels = np.zeros(n)
    labels[: (n + 1) // 2] = 1.0
    labels = gen.permutation(labels)
    side = 2.0 * labels - 1.0  # +1 for label 1, -1 for label 0

    along = gen.uniform(-3.0, 3.0, size=n)  # position along the line
    # Signed distance from the line: margin plus a strictly positive extra in (0, 2].
    extra = 2.0 * (1.0 - gen.random(size=n))
    dist = side * (margin + extra)
    # The point -b*w lies on the line; move `along` the line and `dist` off it.
    X = -b * w + along[:, None] * u + dist[:, None] * w
    if return_line:
        return X, labels, w, b
    return X, labels

