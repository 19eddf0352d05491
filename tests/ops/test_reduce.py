"""Reductions sum, mean, max, min, prod and var with axis None / int / tuple / negative and
keepdims."""

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


REDUCTIONS = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}


@pytest.mark.parametrize("name", REDUCTIONS)
@given(data=st.data(), keepdims=st.booleans(), seed=seeds)
def test_reduction_forward_equals_numpy_and_gradients_check(name, data, keepdims, seed):
    x = data.draw(distinct_tensors() if name in ("max", "min") else tensors())
    axis = data.draw(axis_specs(x.ndim))
    if name in ("max", "min") and axis == ():
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
        "min": [[10.0, 0.0, 0.0], [0.0, -1.0, 0.0]],
    }[name]
    np.testing.assert_allclose(x.grad, expected, rtol=1e-15)


def test_reduction_defaults_reduce_everything():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.sum().shape == () and x.sum().item() == 15.0
    assert x.mean().item() == 2.5
    assert x.max().item() == 5.0
    assert x.min().item() == 0.0
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
    np.testing.assert_array_equal(x.grad, float(len(REDUCTIONS)))


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
    with pytest.raises(tg.ShapeError, match=r"^max: .*maximum of zero elements"):
        Tensor(np.ones((0, 3))).max(axis=0)
    with pytest.raises(tg.ShapeError, match=r"^min: .*minimum of zero elements"):
        Tensor(np.ones((0, 3))).min(axis=0)


# ---------------------------------------------------------------------------
# min: the tie rule of max
# ---------------------------------------------------------------------------


def test_min_ties_and_nans_follow_the_rule_of_max():
    data = np.array([[1.0, 3.0, 1.0], [np.nan, 2.0, np.nan]])
    for name, sign in (("max", -1.0), ("min", 1.0)):
        # min of x is -max of -x, value and gradient: the same rule, mirrored
        x = Tensor(sign * data, requires_grad=True)
        getattr(x, name)(axis=1).backward(np.array([1.0, 6.0]))
        np.testing.assert_array_equal(x.grad, [[0.5, 0.0, 0.5], [3.0, 0.0, 3.0]])


# ---------------------------------------------------------------------------
# prod: gradient exact with zeros
# ---------------------------------------------------------------------------


def product_of_others(a: np.ndarray, axis) -> np.ndarray:
    """d prod/d aᵢ by its definition: aᵢ replaced by 1, the product of aᵢ's slice taken."""
    reduced = range(a.ndim) if axis is None else [ax % a.ndim for ax in np.atleast_1d(axis)]
    out = np.empty_like(a)
    for i in np.ndindex(a.shape):
        ones = a.copy()
        ones[i] = 1.0
        slice_of_i = tuple(0 if k in reduced else i[k] for k in range(a.ndim))
        out[i] = np.prod(ones, axis=axis, keepdims=True)[slice_of_i]
    return out


@given(data=st.data(), keepdims=st.booleans())
def test_prod_forward_equals_numpy_and_gradients_check(data, keepdims):
    x = data.draw(tensors())
    axis = data.draw(axis_specs(x.ndim))
    out = x.prod(axis=axis, keepdims=keepdims)
    assert out.op == "prod" and isinstance(out.data, np.ndarray)
    np.testing.assert_array_equal(out.data, np.prod(x.data, axis=axis, keepdims=keepdims))
    np.testing.assert_array_equal(np.prod(x, axis=axis, keepdims=keepdims).data, out.data)
    # the full Jacobian, one output at a time: prod is linear in each value, so central
    # differences err only by rounding, n·2⁻⁵³·|prod|/eps <= 7e-9·|prod| for n <= 64 values,
    # i.e. <= 2.2e-8·|d prod/dxᵢ| for |xᵢ| <= 3 (a random projection Σ R·prod would mix
    # slices whose products differ by 1e20 and lose the small ones to rounding)
    assert tg.gradcheck.gradcheck(lambda t: t.prod(axis=axis, keepdims=keepdims), x, **TOL)


# values whose products are exact in float64 (at most 8 of them: 3⁸ < 2⁵³), zeros among them
EXACT = st.sampled_from([0.0, 0.0, 1.0, -1.0, 2.0, -0.5, 3.0])


@given(data=st.data(), seed=seeds)
def test_prod_gradient_with_zeros_is_exactly_the_product_of_the_others(data, seed):
    x = data.draw(tensors(hnp.array_shapes(min_dims=0, max_dims=3, max_side=2), elements=EXACT))
    axis = data.draw(axis_specs(x.ndim))
    out = x.prod(axis=axis)
    g = np.random.default_rng(seed).integers(-3, 4, size=out.shape).astype(float)
    out.backward(g)
    kept = np.reshape(g, np.prod(x.data, axis=axis, keepdims=True).shape)
    expected = product_of_others(x.data, axis) * kept
    np.testing.assert_array_equal(x.grad, expected)
    assert np.isfinite(x.grad).all()


def test_prod_with_one_zero_and_with_two_zeros():
    x = Tensor([[2.0, 0.0, 5.0], [0.0, 3.0, 0.0]], requires_grad=True)
    x.prod(axis=1).backward(np.array([1.0, 1.0]))
    # one zero: only it gets a gradient (the product of the others); two zeros: none does
    np.testing.assert_array_equal(x.grad, [[0.0, 10.0, 0.0], [0.0, 0.0, 0.0]])


# ---------------------------------------------------------------------------
# var (and std = √var)
# ---------------------------------------------------------------------------


@given(data=st.data(), keepdims=st.booleans(), seed=seeds)
def test_var_and_std_equal_numpy_with_ddof_and_var_gradients_check(data, keepdims, seed):
    x = data.draw(tensors())
    axis = data.draw(axis_specs(x.ndim))
    n = x.size if axis is None else int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))
    ddof = data.draw(st.integers(0, n - 1))
    out = x.var(axis=axis, ddof=ddof, keepdims=keepdims)
    expected = np.var(x.data, axis=axis, ddof=ddof, keepdims=keepdims)
    assert out.op == "var" and out.shape == np.shape(expected)
    # numpy's own two-pass formula summed in another order: a few roundings of values <= 36
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(x.std(axis=axis, ddof=ddof, keepdims=keepdims).data,
                               np.std(x.data, axis=axis, ddof=ddof, keepdims=keepdims),
                               rtol=1e-12, atol=1e-13)
    # var is quadratic: central differences have no Taylor error, only rounding
    check_vjp(lambda t: t.var(axis=axis, ddof=ddof, keepdims=keepdims), x, seed=seed, tol=TOL)


def test_var_gradient_is_2_x_minus_mean_over_n_minus_ddof():
    x = Tensor([1.0, 2.0, 6.0], requires_grad=True)  # mean 3
    x.var(ddof=1).backward()
    np.testing.assert_allclose(x.grad, [2 * -2 / 2, 2 * -1 / 2, 2 * 3 / 2], rtol=1e-15)
    assert x.var().item() == pytest.approx(14 / 3, rel=1e-15)  # numpy's default, ddof=0


def test_var_of_large_offsets_does_not_cancel():
    x = Tensor(1e8 + np.array([0.0, 1.0, 2.0]))
    assert x.var(ddof=1).item() == 1.0  # a one-pass Σx² - n·mean² would lose it


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.var(axis=1, ddof=3), tg.ShapeError,
     r"^var: ddof=3 needs more than 3 values per slice, .*\(2, 3\) has 3 along axis 1"),
    (lambda x: x.var(ddof=6), tg.ShapeError, r"^var: ddof=6 .* has 6 in all"),
    (lambda x: x.var(ddof=-1), ValueError, r"^var: ddof must be a non-negative int"),
    (lambda x: x.std(ddof=1.5), ValueError, r"^var: ddof must be a non-negative int"),
    (lambda x: x.var(ddof=1, correction=1), TypeError, r"^var: got both ddof=1 and correction"),
])
def test_var_bad_ddof(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))
