"""maximum, minimum, where and clip: forward equals numpy, gradients equal central
differences over hypothesis-drawn broadcast shapes (values kept away from ties and from the
bounds, where the slope jumps), and the values at the jumps follow the stated rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from vjp_check import check_vjp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import elements, tensors

# All four are piecewise linear: away from the jumps central differences are exact up to
# rounding (~1e-16·|F|/eps < 1e-7 for |F| < 1e3).
TOL = {"atol": 1e-6, "rtol": 1e-5}
seeds = st.integers(0, 2**32 - 1)
# a on the grid 0.1·k, b on 0.1·k + 0.05: |a - b| >= 0.05 everywhere, never a tie within eps
ON_GRID = st.integers(-30, 30).map(lambda k: k * 0.1)
OFF_GRID = st.integers(-30, 30).map(lambda k: k * 0.1 + 0.05)


def untied_pair():
    return hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3).flatmap(
        lambda bs: st.tuples(tensors(bs.input_shapes[0], elements=ON_GRID),
                             tensors(bs.input_shapes[1], elements=OFF_GRID)))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@given(ab=untied_pair(), seed=seeds, swap=st.booleans())
def test_maximum_minimum_forward_equals_numpy_and_gradients_check(name, ab, seed, swap):
    a, b = ab[::-1] if swap else ab
    f = getattr(tg, name)
    out = f(a, b)
    assert out.op == name and out.shape == np.broadcast_shapes(a.shape, b.shape)
    np.testing.assert_array_equal(out.data, getattr(np, name)(a.data, b.data))
    check_vjp(f, a, b, seed=seed, tol=TOL)


@pytest.mark.parametrize("name, grad_a, grad_b", [("maximum", [0.0, 3.0, 8.0], [4.0, 3.0, 0.0]),
                                                  ("minimum", [4.0, 3.0, 0.0], [0.0, 3.0, 8.0])])
def test_ties_share_the_gradient_as_max_does(name, grad_a, grad_b):
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([2.0, 2.0, 1.0], requires_grad=True)  # a tie in the middle
    getattr(tg, name)(a, b).backward(np.array([4.0, 6.0, 8.0]))
    np.testing.assert_array_equal(a.grad, grad_a)
    np.testing.assert_array_equal(b.grad, grad_b)
    # the very rule of the reduction over the pair stacked on a new axis
    pair = Tensor(np.stack([a.data, b.data]), requires_grad=True)
    extreme = pair.max(axis=0) if name == "maximum" else pair.min(axis=0)
    extreme.backward(np.array([4.0, 6.0, 8.0]))
    np.testing.assert_array_equal(pair.grad, [grad_a, grad_b])


def test_maximum_with_a_constant_is_a_relu_and_broadcasts():
    x = Tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    y = tg.maximum(x, 0.0)
    np.testing.assert_array_equal(y.data, [[0.0, 2.0], [3.0, 0.0]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0], [1.0, 0.0]])
    b = Tensor([0.5, 0.5], requires_grad=True)  # broadcast over the rows: summed back
    tg.minimum(x, b).sum().backward()
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])  # 3 and 2 were cut to b


def test_maximum_with_nan_is_nan_and_the_nan_takes_the_gradient():
    a = Tensor([np.nan, 1.0], requires_grad=True)
    b = Tensor([0.0, np.nan], requires_grad=True)
    y = tg.maximum(a, b)
    assert np.isnan(y.data).all()
    y.backward(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(a.grad, [1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [0.0, 1.0])


def test_maximum_of_shapes_that_do_not_broadcast_names_the_op():
    with pytest.raises(tg.ShapeError, match=r"^maximum: .*\(2, 3\).*\(4,\)"):
        tg.maximum(Tensor(np.ones((2, 3))), Tensor(np.ones(4)))


# ----- where -----

@given(data=st.data(), seed=seeds)
def test_where_forward_equals_numpy_and_gradients_check(data, seed):
    s = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    cond = data.draw(hnp.arrays(bool, s.input_shapes[0]))
    a, b = data.draw(tensors(s.input_shapes[1])), data.draw(tensors(s.input_shapes[2]))
    out = tg.where(cond, a, b)
    assert out.op == "where"
    np.testing.assert_array_equal(out.data, np.where(cond, a.data, b.data))
    check_vjp(lambda a, b: tg.where(cond, a, b), a, b, seed=seed, tol=TOL)


def test_where_sends_g_to_the_chosen_side_and_nothing_to_the_condition():
    x = Tensor([-2.0, 3.0, 0.5], requires_grad=True)
    mask = Tensor([True, False, True])
    y = tg.where(mask, x * 10.0, x)
    np.testing.assert_array_equal(y.data, [-20.0, 3.0, 5.0])
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad, [10.0, 2.0, 30.0])
    c = Tensor([1.0, 0.0, 1.0], requires_grad=True)  # a float condition: nonzero is True
    tg.where(c, x, 0.0).sum().backward()
    assert c.grad is None  # a choice, not a value: no gradient reaches it


def test_where_with_a_comparison_as_condition_and_numbers():
    x = Tensor([-1.0, 2.0], requires_grad=True)
    y = tg.where(x > 0, x, 0.1 * x)  # a leaky relu
    np.testing.assert_allclose(y.data, [-0.1, 2.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.1, 1.0])


def test_where_shape_error_names_all_three_shapes():
    with pytest.raises(tg.ShapeError, match=r"^where: cond \(3,\), a \(2,\) and b \(\)"):
        tg.where(np.array([True, False, True]), Tensor([1.0, 2.0]), 0.0)


# ----- clip -----

BOUNDS = [(-1.0, 1.0), (None, 0.5), (-0.5, None), (0.0, 0.0), (-2.5, 2.5)]


@pytest.mark.parametrize("lo, hi", BOUNDS)
@given(data=st.data(), seed=seeds)
def test_clip_forward_equals_numpy_and_gradients_check(lo, hi, data, seed):
    avoid = tuple(sorted({v for v in (lo, hi) if v is not None}))
    x = data.draw(tensors(elements=elements(avoid=avoid)))  # away from the jumps of the slope
    out = x.clip(lo, hi)
    assert out.op == "clip"
    np.testing.assert_array_equal(out.data, np.clip(x.data, lo, hi))
    np.testing.assert_array_equal(tg.clip(x, lo, hi).data, out.data)
    check_vjp(lambda t: t.clip(lo, hi), x, seed=seed, tol=TOL)


def test_clip_gradient_is_zero_outside_and_passes_at_the_bounds():
    x = Tensor([-3.0, -1.0, 0.0, 1.0, 3.0, np.nan], requires_grad=True)
    y = x.clip(-1.0, 1.0)
    np.testing.assert_array_equal(y.data, [-1.0, -1.0, 0.0, 1.0, 1.0, np.nan])
    y.backward(np.full(6, 2.0))
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 2.0, 2.0, 0.0, 0.0])


def test_clip_spellings_and_array_bounds():
    x = Tensor([[-3.0, 0.5], [2.0, 9.0]], requires_grad=True)
    expected = np.clip(x.data, [0.0, 1.0], 4.0)
    for y in (x.clip([0.0, 1.0], 4.0), x.clamp(min=[0.0, 1.0], max=4.0),
              tg.clip(x, min=[0.0, 1.0], max=4.0), np.clip(x, [0.0, 1.0], 4.0)):
        assert isinstance(y, Tensor) and y.op == "clip"
        np.testing.assert_array_equal(y.data, expected)
    assert x.clip(max=1.0).data.max() == 1.0


def test_clip_keeps_float32():
    x = Tensor(np.array([0.5, 3.0], dtype=np.float32), requires_grad=True)
    assert x.clip(0.0, 1.0).dtype == np.float32


@pytest.mark.parametrize("lo, hi, error, message", [
    (None, None, ValueError, r"^clip: give lo, hi or both"),
    (2.0, 1.0, ValueError, r"^clip: lo \(2.0\) is above hi \(1.0\)"),
    (np.nan, 1.0, ValueError, r"^clip: lo is NaN"),
    ("a", 1.0, TypeError, r"^clip: lo must be a number"),
    (np.zeros(3), None, tg.ShapeError, r"^clip: the tensor \(2,\) and lo \(3,\) do not"),
])
def test_clip_bad_bounds_are_clear_errors(lo, hi, error, message):
    with pytest.raises(error, match=message):
        Tensor([1.0, 2.0]).clip(lo, hi)
