"""tg.testing: the strategies draw what they promise, and failures shrink to readable examples."""

import doctest
import itertools
import re

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import find as hypothesis_find
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import GradcheckError, gradcheck
from tinygrad_edu.testing import (
    KINKS,
    broadcastable_tensors,
    distinct_tensors,
    elements,
    elements_for,
    gradient_property,
    matmul_tensors,
    shapes,
    tensors,
)


def find(strategy, condition):
    """An example of ``strategy`` meeting ``condition``, searched without shrinking (fast):
    proves the strategy can draw that case at all."""
    fast = settings(database=None, derandomize=True, max_examples=1000,
                    phases=[Phase.generate])
    return hypothesis_find(strategy, condition, settings=fast)


# ----- tensors -----

@given(tensors(shape=(3, 4)))
def test_tensors_of_a_fixed_shape(x):
    assert isinstance(x, Tensor) and x.shape == (3, 4)
    assert x.dtype == np.float64 and x.requires_grad and x.is_leaf
    assert np.isfinite(x.data).all() and (np.abs(x.data) <= 3).all()


@given(tensors(shape=shapes(min_dims=2, max_dims=2, max_side=2), requires_grad=False))
def test_tensors_take_a_shape_strategy_and_requires_grad(x):
    assert x.ndim == 2 and max(x.shape) <= 2 and not x.requires_grad


@given(tensors(dtype=np.float32, elements=elements(avoid=(0.0,))))
def test_float32_tensors_keep_their_dtype_and_avoided_points(x):
    assert x.dtype == np.float32
    # float32 rounding moves a value by at most 2⁻²⁴ of itself (< 2e-7 here)
    assert (np.abs(x.data) >= 1e-3 - 2e-7).all()


def test_tensors_reach_every_rank_up_to_three():
    for ndim in range(4):
        assert find(tensors(), lambda x, n=ndim: x.ndim == n).ndim == ndim


# ----- elements -----

@given(elements(-2.0, 2.0, avoid=(0.0, 1.0), margin=0.1))
def test_elements_respect_range_and_avoided_points(v):
    assert -2.0 <= v <= 2.0
    assert abs(v) >= 0.1 and abs(v - 1.0) >= 0.1


@given(elements(0.0, 1.0, avoid=(0.0, 1.0), margin=0.01))
def test_elements_pushed_off_an_avoided_end_stay_in_range(v):
    assert 0.01 <= v <= 0.99


def floats_around(x: float, k: int = 3) -> list[float]:
    """x and the k floats on each side of it."""
    out, up, down = [x], x, x
    for _ in range(k):
        up, down = float(np.nextafter(up, np.inf)), float(np.nextafter(down, -np.inf))
        out += [up, down]
    return out


@st.composite
def element_arguments(draw):
    """Any (min_value, max_value, avoid, margin) that elements accepts or refuses."""
    margin = draw(st.floats(1e-4, 0.5))
    lo = draw(st.floats(-2.0, 2.0))
    hi = draw(st.floats(lo, 2.0))
    points = draw(st.lists(st.floats(-2.5, 2.5), max_size=3))
    return lo, hi, tuple(points), margin


@given(element_arguments(), st.data())
def test_elements_never_draw_outside_the_range_or_near_an_avoided_point(args, data):
    lo, hi, points, margin = args
    try:
        strategy = elements(lo, hi, avoid=points, margin=margin)
    except InvalidArgument:
        # refused only when avoided points crowd together (closer than 2·margin) or no value
        # is allowed; the allowed values, if any, form intervals whose ends are lo, hi or
        # p ± margin (within a few floats): none of those may be allowed
        if any(b - a < 2 * margin for a, b in itertools.pairwise(sorted(points))):
            return
        ends = [lo, hi] + [p + s * margin for p in points for s in (-1, 1)]
        near = [c for x in ends for c in floats_around(x)]
        assert not [c for c in near if lo <= c <= hi and all(abs(c - p) >= margin for p in points)]
        return
    v = data.draw(strategy)
    assert lo <= v <= hi
    assert all(abs(v - p) >= margin for p in points)


@given(elements(-1.0, 1.0, avoid=(0.5, -0.75), margin=0.5))
def test_elements_whose_zone_ends_at_zero(v):
    # 0.5 - 0.5 = 0, where floats are dense: the zone's edge is found by bisection, not by
    # stepping one float at a time (2⁶⁰ steps)
    assert -1.0 <= v <= 1.0 and abs(v - 0.5) >= 0.5 and abs(v + 0.75) >= 0.5
    assert -0.25 <= v <= 1e-16 or v == 1.0  # all that is left of [-1, 1]


def test_elements_are_pushed_not_rejected_so_the_avoided_point_shrinks_to_the_margin():
    # hypothesis shrinks toward 0: the simplest value allowed is the margin next to it
    assert hypothesis_find(elements(avoid=(0.0,)), lambda v: True) in (1e-3, -1e-3)


@pytest.mark.parametrize("bad", [
    {"min_value": 1.0, "max_value": 0.0},
    {"avoid": (0.0, 1e-3)},  # closer than 2·margin: no value is away from both
    {"min_value": -1e-4, "max_value": 1e-4, "avoid": (0.0,)},
    # the range lies within the margin of one point, with another point far away: this
    # drew -0.001, outside the range, when the guard asked that *every* point cover it
    {"min_value": -5e-4, "max_value": 5e-4, "avoid": (0.0, 1.0)},
    {"min_value": 0.9995, "max_value": 1.0, "avoid": (0.0, 1.0)},
])
def test_impossible_elements_are_refused(bad):
    with pytest.raises(InvalidArgument):
        elements(**bad)


@pytest.mark.parametrize("op", ["relu", "leaky_relu", "abs", "step", "sign"])
@given(data=st.data())
def test_elements_for_kinked_ops_avoid_zero(op, data):
    v = data.draw(elements_for(op))
    assert abs(v) >= 1e-3 and -3 <= v <= 3


@pytest.mark.parametrize("op", ["log", "sqrt", "pow"])
@given(data=st.data())
def test_elements_for_log_like_ops_stay_inside_the_domain(op, data):
    assert data.draw(elements_for(op)) >= 0.05


def test_elements_for_an_unknown_op_lists_the_known_ones():
    with pytest.raises(ValueError, match="relu"):
        elements_for("conv2d")
    assert set(KINKS) >= {"relu", "step", "sign", "log"}


# ----- shapes that fit together -----

@given(st.integers(2, 4).flatmap(lambda n: broadcastable_tensors(n)))
def test_broadcastable_tensors_broadcast(ts):
    shape = np.broadcast_shapes(*(t.shape for t in ts))
    total = ts[0]
    for t in ts[1:]:
        total = total + t
    assert total.shape == shape and all(t.requires_grad for t in ts)


def test_broadcastable_tensors_include_stretched_and_missing_axes():
    a, b = find(broadcastable_tensors(), lambda ab: ab[0].ndim != ab[1].ndim)
    assert a.ndim != b.ndim
    # same rank, different shapes: some axis is 1 in one and stretched to the other's size
    a, b = find(broadcastable_tensors(), lambda ab: ab[0].ndim == ab[1].ndim >= 1
                and ab[0].shape != ab[1].shape)
    assert 1 in a.shape + b.shape


@given(matmul_tensors())
def test_matmul_tensors_multiply(ab):
    a, b = ab
    assert (a @ b).shape == np.matmul(a.data, b.data).shape
    assert a.requires_grad and b.requires_grad


@pytest.mark.parametrize("ndims", [(1, 1), (2, 1), (1, 2), (2, 2), (3, 2), (2, 4)])
def test_matmul_tensors_cover_vector_and_batched_cases(ndims):
    a, b = find(matmul_tensors(), lambda ab: (ab[0].ndim, ab[1].ndim) == ndims)
    assert (a.ndim, b.ndim) == ndims
    assert (a @ b).shape == np.matmul(a.data, b.data).shape


@given(matmul_tensors(max_batch_dims=0))
def test_matmul_tensors_without_batch_axes_suit_dot(ab):
    a, b = ab
    assert a.ndim <= 2 and b.ndim <= 2
    assert np.allclose(tg.dot(a, b).data, np.dot(a.data, b.data))


@given(distinct_tensors())
def test_distinct_tensors_have_no_near_ties(x):
    v = np.sort(x.data.ravel())
    assert (np.diff(v) >= 0.05 - 1e-12).all() and x.requires_grad


def test_distinct_tensors_refuse_a_shape_that_cannot_fit():
    with pytest.raises(InvalidArgument, match="holds only"):
        find(distinct_tensors(shape=(10, 10), gap=0.5), lambda x: True)


# ----- the property helper and what a student writes -----

def my_op(x):
    return (x * x).tanh()


@given(tensors(shape=(3, 4)))
def test_my_op(x):  # exactly the snippet from the docs
    assert gradcheck(my_op, x)


test_my_op_in_one_line = gradient_property(my_op, tensors(shape=(3, 4)))
test_broadcast_mul_in_one_line = gradient_property(lambda a, b: a * b, broadcastable_tensors())


class OffAboveOne(tg.Function):
    """out = x²; the rule is 1 % off wherever x > 1 (right elsewhere)."""

    def forward(self, x):
        self.x = x
        return x * x

    def vjp(self, g):
        return (g * 2 * self.x * np.where(self.x > 1, 1.01, 1.0),)


def test_a_failing_property_shrinks_to_a_readable_example():
    test = gradient_property(lambda x: OffAboveOne.apply(x), tensors(shape=(2, 3)))
    test = settings(derandomize=True, database=None, max_examples=100)(test)
    with pytest.raises(GradcheckError) as info:
        test()
    notes = " ".join("\n".join(getattr(info.value, "__notes__", [])).split())
    # hypothesis names the shrunk example "Falsifying example" (older) or "Failing test case"
    assert re.search(r"(Falsifying example|Failing test case): "
                     r"gradcheck_lambda\( inputs=\(Tensor\(\[\[", notes), notes
    shown = notes[notes.index("Tensor(") : notes.index("requires_grad=True)")]
    # shrunk to the simplest values that fail: 2.0 (the simplest number above 1), the rest 0
    values = set(re.findall(r"-?\d+\.\d*", shown))
    assert "2." in values and values <= {"0.", "2."}, shown
    assert "analytic" in str(info.value)  # and the gradcheck table is the error message


def test_module_examples_run():
    from tinygrad_edu import testing
    from tinygrad_edu.testing import properties, strategies

    for m in (testing, strategies, properties):
        result = doctest.testmod(m)
        assert result.attempted > 0 and result.failed == 0, m.__name__
