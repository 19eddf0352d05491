"""Hypothesis strategies that draw Tensors, built on ``hypothesis.extra.numpy``.

Values stay small (default [-3, 3]) and shapes tiny (sides up to 4), because a full
central-difference Jacobian costs two evaluations of f per input element.

>>> from hypothesis import given
>>> @given(broadcastable_tensors(2))
... def test_add_broadcasts(ab):
...     a, b = ab
...     assert (a + b).shape == np.broadcast_shapes(a.shape, b.shape)
>>> test_add_broadcasts()
"""

from __future__ import annotations

import itertools
from typing import Any, cast

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor

__all__ = ["KINKS", "broadcastable_tensors", "distinct_tensors", "elements", "elements_for",
           "matmul_tensors", "shapes", "tensors"]

Elements = st.SearchStrategy[float]


def elements(min_value: float = -3.0, max_value: float = 3.0, *,
             avoid: tuple[float, ...] = (), margin: float = 1e-3) -> Elements:
    """Finite floats in [min_value, max_value], at least ``margin`` away from each point of
    ``avoid`` (e.g. ``avoid=(0,)`` for relu, abs, step and sign, whose derivative jumps there).

    A central difference straddling a kink measures the average of the two slopes, not
    either one, so keep ``margin`` much larger than gradcheck's ``eps`` (1e-6). Values are
    moved out of the forbidden zones, never filtered out, so no draw is rejected and
    shrinking still ends at simple values (toward ``margin`` instead of 0).

    >>> from hypothesis import given
    >>> @given(elements(avoid=(0.0,)))
    ... def test_away_from_zero(v):
    ...     assert abs(v) >= 1e-3
    >>> test_away_from_zero()
    """
    if not min_value <= max_value:
        raise InvalidArgument(f"elements: min_value {min_value} > max_value {max_value}")
    if not margin >= 0:
        raise InvalidArgument(f"elements: margin must be >= 0, got {margin}")
    points = sorted(float(p) for p in avoid) if margin > 0 else []
    if any(b - a < 2 * margin for a, b in itertools.pairwise(points)):
        raise InvalidArgument(f"elements: avoided points {points} are closer than 2·margin "
                              f"({2 * margin}); no value can keep away from both")
    allowed = _allowed_intervals(float(min_value), float(max_value), points, margin)
    if not allowed:
        raise InvalidArgument(f"elements: every value in [{min_value}, {max_value}] is "
                              f"within {margin} of an avoided point {points}")
    base = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=64)
    if not points:
        return base
    edges = sorted({x for interval in allowed for x in interval})

    def push(x: float) -> float:
        if any(lo <= x <= hi for lo, hi in allowed):
            return x
        # the nearest allowed value; on a tie (x exactly at an avoided point) the upper one
        return min(edges, key=lambda e: (abs(e - x), -e))

    return base.map(push)


def _allowed_intervals(lo: float, hi: float, points: list[float],
                       margin: float) -> list[tuple[float, float]]:
    """[lo, hi] without the zones |x - p| < margin, as closed intervals whose every float
    keeps at least ``margin`` from every point (empty when nothing is left)."""

    def beyond(p: float, direction: float) -> float:
        # The float closest to p on that side with |x - p| >= margin computed in floats.
        # p ± margin may round to either side of that bound: step out until it holds, then
        # bisect toward p (stepping in one float at a time can take 2⁶⁰ steps near 0).
        x = p + direction * margin
        while abs(x - p) < margin:
            x = float(np.nextafter(x, direction * np.inf))
        y = p  # the bound holds at x, not at y
        while (mid := x + (y - x) / 2) not in (x, y):
            x, y = (mid, y) if abs(mid - p) >= margin else (x, mid)
        return x

    intervals = [(lo, hi)]
    for p in points:
        below, above = beyond(p, -1.0), beyond(p, 1.0)
        intervals = [part for a, b in intervals
                     for part in ((a, min(b, below)), (max(a, above), b)) if part[0] <= part[1]]
    return intervals


#: Where the built-in ops have a kink (derivative jumps) or the edge of their domain.
KINKS: dict[str, dict[str, Any]] = {
    "relu": {"avoid": (0.0,)}, "leaky_relu": {"avoid": (0.0,)}, "abs": {"avoid": (0.0,)},
    "step": {"avoid": (0.0,)}, "sign": {"avoid": (0.0,)},
    "log": {"min_value": 0.05}, "sqrt": {"min_value": 0.05}, "pow": {"min_value": 0.05},
    "div": {"avoid": (0.0,), "margin": 0.05},  # for the divisor: 1/b is steep near 0
}


def elements_for(op: str, min_value: float = -3.0, max_value: float = 3.0,
                 margin: float = 1e-3) -> Elements:
    """``elements`` kept away from ``op``'s kinks and domain edges (see ``KINKS``): 0 for
    relu, leaky_relu, abs, step and sign; values >= 0.05 for log, sqrt and pow's base; at
    least 0.05 from 0 for div's divisor. ``min_value`` and ``margin`` can only tighten these.

    >>> from hypothesis import given
    >>> @given(tensors(shape=(2, 3), elements=elements_for("log")))
    ... def test_log(x):
    ...     assert (x.data >= 0.05).all()
    >>> test_log()
    """
    if op not in KINKS:
        raise ValueError(f"elements_for: no kinks known for {op!r}; known: "
                         f"{', '.join(sorted(KINKS))} (or use elements(avoid=...))")
    spec = KINKS[op]
    # the op's limits, tightened (never loosened) by the caller's
    return elements(max(spec.get("min_value", min_value), min_value), max_value,
                    avoid=spec.get("avoid", ()), margin=max(spec.get("margin", margin), margin))


def shapes(*, min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, small enough for a full central-difference Jacobian."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def tensors(shape: Any = None, *, dtype: Any = np.float64, elements: Elements | None = None,
            requires_grad: bool = True) -> st.SearchStrategy[Tensor]:
    """Tensors of ``shape`` (a tuple, a strategy of tuples, or None for any small shape),
    values from ``elements`` (default: ``elements()``, floats in [-3, 3]).

    >>> from hypothesis import given
    >>> @given(tensors(shape=(3, 4)))
    ... def test_tensor(x):
    ...     assert x.shape == (3, 4) and x.requires_grad and x.dtype == np.float64
    >>> test_tensor()
    """
    shape = shapes() if shape is None else shape
    dtype = np.dtype(dtype)
    elems = globals()["elements"]() if elements is None else elements
    if dtype == np.float32:  # hypothesis insists each value be exact in the array's dtype
        elems = elems.map(lambda v: float(np.float32(v)))
    return hnp.arrays(dtype, shape, elements=elems).map(
        lambda a: Tensor(a, requires_grad=requires_grad))


def distinct_tensors(shape: Any = None, *, gap: float = 0.05, bound: float = 3.0,
                     requires_grad: bool = True) -> st.SearchStrategy[Tensor]:
    """Tensors whose values all differ by at least ``gap`` (multiples of ``gap`` in
    [-bound, bound]): for ``max``, whose kinks are *ties* between elements, which no
    ``elements`` strategy can rule out one value at a time.

    >>> from hypothesis import given
    >>> @given(distinct_tensors(shape=(3, 4)))
    ... def test_max(x):
    ...     v = np.sort(x.data.ravel())
    ...     assert (np.diff(v) >= 0.05 - 1e-12).all()
    >>> test_max()
    """
    k = int(bound / gap)
    shape = shapes() if shape is None else shape
    shape_strategy: st.SearchStrategy[tuple[int, ...]] = (
        shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape)))

    def values(s: tuple[int, ...]) -> st.SearchStrategy[Tensor]:
        n = int(np.prod(s))
        if n > 2 * k + 1:
            raise InvalidArgument(f"distinct_tensors: shape {s} needs {n} values but "
                                  f"[-{bound}, {bound}] holds only {2 * k + 1} that are {gap} "
                                  "apart; lower gap or raise bound")
        return st.lists(st.integers(-k, k), min_size=n, max_size=n, unique=True).map(
            lambda ints: Tensor(np.array(ints, dtype=np.float64).reshape(s) * gap,
                                requires_grad=requires_grad))

    return shape_strategy.flatmap(values)


def _tensors_for(shapes: Any, elements: Elements | None,
                 requires_grad: bool) -> st.SearchStrategy[tuple[Tensor, ...]]:
    return st.tuples(*[tensors(s, elements=elements, requires_grad=requires_grad)
                       for s in shapes.input_shapes])


def broadcastable_tensors(n: int = 2, *, elements: Elements | None = None,
                          requires_grad: bool = True, max_dims: int = 3,
                          max_side: int = 3) -> st.SearchStrategy[tuple[Tensor, ...]]:
    """``n`` tensors whose shapes broadcast together, e.g. (2, 1, 3) and (4, 1): drawn by
    ``mutually_broadcastable_shapes``, so size-1 axes and missing leading axes both occur."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, max_dims=max_dims, max_side=max_side).flatmap(
        lambda bs: _tensors_for(bs, elements, requires_grad))


def matmul_tensors(*, elements: Elements | None = None, requires_grad: bool = True,
                   max_batch_dims: int = 2,
                   max_side: int = 3) -> st.SearchStrategy[tuple[Tensor, Tensor]]:
    """A pair ``(a, b)`` with ``a @ b`` defined: 1-D·1-D, 2-D@1-D, 1-D@2-D, 2-D@2-D and
    batched N-D with broadcast batch axes, from matmul's gufunc signature
    ``(n?,k),(k,m?)->(n?,m?)`` (``?``: the axis may be missing, giving the 1-D cases).

    Drawn from that signature alone, a 1-D operand is rare (a 1-D·2-D pair about 1 draw in
    100), and those are the cases hand-written rules get wrong; so half the draws come from
    the four unbatched cases, each with its own signature; batched draws cover every pair of
    ranks up to (4, 4).
    """
    unbatched = ["(k),(k)->()", "(n,k),(k)->(n)", "(k),(k,m)->(m)", "(n,k),(k,m)->(n,m)"]
    cases = [hnp.mutually_broadcastable_shapes(signature=sig, max_dims=0, max_side=max_side)
             for sig in unbatched]
    if max_batch_dims:
        cases += 4 * [hnp.mutually_broadcastable_shapes(
            signature="(n?,k),(k,m?)->(n?,m?)", max_dims=max_batch_dims, max_side=max_side)]
    # sampled_from, not one_of: one_of leans to its first branches, this picks evenly
    pairs = st.sampled_from(cases).flatmap(lambda shapes: shapes).flatmap(
        lambda bs: _tensors_for(bs, elements, requires_grad))
    return cast("st.SearchStrategy[tuple[Tensor, Tensor]]", pairs)
