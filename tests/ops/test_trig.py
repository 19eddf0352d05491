"""sin and cos: forward equals numpy, gradients equal central differences over
hypothesis-drawn shapes with a random upstream gradient."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from vjp_check import check_vjp

from tinygrad_edu import Tensor
from tinygrad_edu.testing import elements, tensors

# sin and cos and their derivatives are bounded by 1: Taylor error eps²/6 ≈ 2e-13, rounding
# 1e-16·|F|/eps < 1e-7 for |F| < 1e3.
TOL = {"atol": 1e-6, "rtol": 1e-5}
seeds = st.integers(0, 2**32 - 1)
OPS = {"sin": (Tensor.sin, np.sin, np.cos), "cos": (Tensor.cos, np.cos, lambda x: -np.sin(x))}


@pytest.mark.parametrize("name", OPS)
@given(x=tensors(elements=elements(-10.0, 10.0)), seed=seeds)
def test_forward_equals_numpy_and_gradients_check(name, x, seed):
    f, np_f, _ = OPS[name]
    out = f(x)
    assert out.op == name and out.shape == x.shape
    np.testing.assert_array_equal(out.data, np_f(x.data))
    np.testing.assert_array_equal(getattr(np, name)(x).data, out.data)  # np.sin(t) too
    check_vjp(f, x, seed=seed, tol=TOL)


@pytest.mark.parametrize("name", OPS)
def test_gradient_is_the_textbook_derivative(name):
    f, _, derivative = OPS[name]
    x = Tensor(np.linspace(-3.0, 3.0, 7), requires_grad=True)
    g = np.arange(7.0)
    f(x).backward(g)
    np.testing.assert_array_equal(x.grad, g * derivative(x.data))


def test_sin_squared_plus_cos_squared_has_zero_gradient():
    x = Tensor([0.3, -1.2, 2.5], requires_grad=True)
    (x.sin().square() + x.cos().square()).sum().backward()
    np.testing.assert_allclose(x.grad, 0.0, atol=1e-15)
