"""cumsum: forward equals numpy (axis None flattens), the gradient is G's running sum taken
from the end, exactly, over hypothesis-drawn shapes and axes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from vjp_check import check_vjp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import tensors

# cumsum is linear: central differences are exact up to rounding (< 1e-7).
TOL = {"atol": 1e-6, "rtol": 1e-5}
seeds = st.integers(0, 2**32 - 1)


@given(data=st.data(), seed=seeds)
def test_cumsum_forward_equals_numpy_and_gradient_is_the_reversed_running_sum(data, seed):
    x = data.draw(tensors())
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1) if x.ndim else st.none())
    out = x.cumsum(axis)
    expected = np.cumsum(x.data, axis=axis)
    assert out.op == "cumsum" and out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-15, atol=1e-15)
    np.testing.assert_array_equal(np.cumsum(x, axis=axis).data, out.data)
    g = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(g)
    # d out[i] / d x[j] = 1 for j <= i: the oracle is the transposed lower-triangular matrix
    n = x.size if axis is None else x.shape[axis]
    moved = g.reshape(-1) if axis is None else np.moveaxis(g, axis, -1)
    oracle = moved @ np.tril(np.ones((n, n)))
    oracle = oracle.reshape(x.shape) if axis is None else np.moveaxis(oracle, -1, axis)
    np.testing.assert_allclose(x.grad, oracle, rtol=1e-13, atol=1e-13)
    check_vjp(lambda t: t.cumsum(axis), x, seed=seed, tol=TOL)


def test_cumsum_example_and_dim_spelling():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    np.testing.assert_array_equal(x.cumsum(dim=1).data, [[1.0, 3.0], [3.0, 7.0]])
    np.testing.assert_array_equal(x.cumsum().data, [1.0, 3.0, 6.0, 10.0])
    x.cumsum(0).backward(np.array([[1.0, 10.0], [100.0, 1000.0]]))
    np.testing.assert_array_equal(x.grad, [[101.0, 1010.0], [100.0, 1000.0]])


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.cumsum(axis=(0, 1)), TypeError, r"^cumsum: axis must be an int"),
    (lambda x: x.cumsum(axis=2), tg.ShapeError, r"^cumsum: axis 2 is out of range"),
    (lambda x: x.cumsum(axis=0, dim=1), TypeError, r"^cumsum: got both axis=0 and dim=1"),
    (lambda x: np.cumsum(x, dtype=np.float32), TypeError, r"^np\.cumsum: dtype is not supported"),
])
def test_cumsum_bad_axes(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))
