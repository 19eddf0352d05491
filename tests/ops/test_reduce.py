"""Reductions sum, mean and max with axis None / int / tuple / negative and keepdims."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from vjp_check import check_vjp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import tensors

# Central differences (float64, eps 1e-6): sum and mean are linear (no truncation error) and
# max is linear near a point without ties; rounding error ~1e-16·|F|/eps < 1e-7 for |F| < 1e3.
TOL = {"atol": 1e-6, "rtol": 1e-5}
seeds = st.integers(0, 2**32 - 1)


@st.composite
def axis_specs(draw, ndim: int):
    """None, an int, or a tuple of distinct axes, each possibly written negative."""
    if ndim == 0:
        return draw(st.sampled_from([None, ()]))
    as_written = st.integers(0, ndim - 1).flatmap(lambda ax: st.sampled_from([ax, ax - ndim]))
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(as_written)
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(draw(st.sampled_from([ax, ax - ndim])) for ax in axes)


@st.composite
def distinct_tensors(draw, min_dims: int = 0):
    """Tensors whose values are 0.25 apart, so no two tie and max has no kink nearby."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, max_side=4))
    size = int(np.prod(shape))
    order = draw(st.permutations(range(size)))
    values = (np.array(order, dtype=np.float64) - size / 2) * 0.25
    return Tensor(values.reshape(shape), requires_grad=True)


REDUCTIONS = {"sum": np.sum, "mean": np.mean, "max": np.max}


@pytest.mark.parametrize("name", REDUCTIONS)
@given(data=st.data(), keepdims=st.booleans(), seed=seeds)
def test_reduction_forward_equals_numpy_and_gradients_check(name, data, keepdims, seed):
    x = data.draw(distinct_tensors() if name == "max" else tensors())
    axis = data.draw(axis_specs(x.ndim))
    if name == "max" and axis == ():
        axis = None  # np.max needs at least one axis when given a tuple
    out = getattr(x, name)(axis=axis, keepdims=keepdims)
    expected = REDUCTIONS[name](x.data, axis=axis, keepdims=keepdims)
    assert out.op == name
    assert out.shape == np.shape(expected)
    assert isinstance(out.data, np.ndarray)  # a 0-d array, never a numpy scalar
    np.testing.assert_allclose(out.data, expected, rtol=1e-14, atol=1e-14)
    check_vjp(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), x, seed=seed, tol=TOL)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_gradients_spread_back(name):
    x = Tensor([[1.0, 5.0, 2.0], [7.0, 3.0, 4.0]], requires_grad=True)
    getattr(x, name)(axis=1).backward(np.array([10.0, -1.0]))
    expected = {
        "sum": [[10.0, 10.0, 10.0], [-1.0, -1.0, -1.0]],
        "mean": [[10 / 3, 10 / 3, 10 / 3], [-1 / 3, -1 / 3, -1 / 3]],
        "max": [[0.0, 10.0, 0.0], [-1.0, 0.0, 0.0]],
    }[name]
    np.testing.assert_allclose(x.grad, expected, rtol=1e-15)


def test_reduction_defaults_reduce_everything():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.sum().shape == () and x.sum().item() == 15.0
    assert x.mean().item() == 2.5
    assert x.max().item() == 5.0
    assert x.sum(keepdims=True).shape == (1, 1)


def test_max_ties_share_the_gradient_equally():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).backward(np.array([1.0, 6.0]))
    np.testing.assert_allclose(x.grad, [[0.0, 0.5, 0.5], [2.0, 2.0, 2.0]])
    y = Tensor([4.0, 4.0], requires_grad=True)
    y.max().backward()
    np.testing.assert_allclose(y.grad, [0.5, 0.5])


def test_max_with_nan_is_nan_and_sends_the_gradient_to_the_nans():
    # as PyTorch 2.13's x.max(): NaN wins, its gradient is shared among the NaNs, and no
    # numpy warning (0/0) appears (pytest makes RuntimeWarning an error)
    x = Tensor([[np.nan, 1.0, np.nan], [2.0, 3.0, 3.0]], requires_grad=True)
    m = x.max()
    assert np.isnan(m.item())
    m.backward()
    np.testing.assert_array_equal(x.grad, [[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]])
    x.grad = None
    rows = x.max(axis=1)
    np.testing.assert_array_equal(rows.data, [np.nan, 3.0])
    rows.backward(np.array([2.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [[1.0, 0.0, 1.0], [0.0, 2.0, 2.0]])


def test_reduction_of_a_scalar():
    x = Tensor(3.0, requires_grad=True)
    for name in REDUCTIONS:
        out = getattr(x, name)()
        assert out.shape == () and out.item() == 3.0
        out.backward()
    np.testing.assert_array_equal(x.grad, 3.0)


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [2, -3, (0, 2), (5,)])
def test_axis_out_of_range_is_a_shape_error(name, axis):
    with pytest.raises(tg.ShapeError, match=rf"^{name}: axis -?\d+ is out of range .*2 axes"):
        getattr(Tensor(np.ones((2, 3))), name)(axis=axis)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_repeated_axis_is_a_shape_error(name):
    with pytest.raises(tg.ShapeError, match=rf"^{name}: .*same axis twice"):
        getattr(Tensor(np.ones((2, 3))), name)(axis=(1, -1))


@pytest.mark.parametrize("name", REDUCTIONS)
def test_axis_must_be_an_int_or_tuple(name):
    with pytest.raises(TypeError, match=name):
        getattr(Tensor(np.ones((2, 3))), name)(axis=1.5)


def test_empty_reductions():
    assert Tensor(np.ones((0, 3))).sum().item() == 0.0
    with pytest.raises(tg.ShapeError, match=r"^mean: .*zero elements"):
        Tensor(np.ones((0, 3))).mean()
    with pytest.raises(tg.ShapeError, match=r"^max: .*zero elements"):
        Tensor(np.ones((0, 3))).max(axis=0)
