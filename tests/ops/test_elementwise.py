"""Arithmetic (+ - * / ** and unary -) and elementwise math (exp, log, sqrt, abs, square):
forward equals numpy, gradients equal central differences over hypothesis-drawn shapes,
with broadcast pairs and a random upstream gradient."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from vjp_check import check_vjp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import broadcastable_tensors, elements, tensors

# Central differences in float64 with eps = 1e-6 err by about eps²·|f'''|/6 (< 1e-10 for these
# inputs) plus 1e-16·|F|/eps from rounding, where F = Σ f·R stays below ~1e3 here (< 1e-7).
TOL = {"atol": 1e-6, "rtol": 1e-5}
seeds = st.integers(0, 2**32 - 1)


def broadcast_pair(left=None, right=None):
    """Two tensors of mutually broadcastable shapes, each with its own elements strategy."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3).flatmap(
        lambda bs: st.tuples(tensors(bs.input_shapes[0], elements=left),
                             tensors(bs.input_shapes[1], elements=right)))


BINARY = {
    "add": (operator.add, np.add, None, None),
    "sub": (operator.sub, np.subtract, None, None),
    "mul": (operator.mul, np.multiply, None, None),
    # denominators at least 0.5 away from 0, bases of ** positive (ln a in its gradient)
    "div": (operator.truediv, np.divide, None, elements(avoid=(0.0,), margin=0.5)),
    "pow": (operator.pow, np.power, elements(0.5, 3.0), elements(-2.0, 2.0)),
}


# ---------------------------------------------------------------------------
# binary operators, broadcast pairs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data(), seed=seeds)
def test_binary_forward_equals_numpy_and_gradients_check(name, data, seed):
    op, np_op, left, right = BINARY[name]
    a, b = data.draw(broadcast_pair(left, right))
    out = op(a, b)
    assert out.op == name
    assert out.shape == np.broadcast_shapes(a.shape, b.shape)
    np.testing.assert_allclose(out.data, np_op(a.data, b.data), rtol=1e-15, atol=0)
    check_vjp(op, a, b, seed=seed, tol=TOL)


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data(), seed=seeds)
def test_binary_with_a_constant_operand(name, data, seed):
    # the constant is a plain ndarray on either side (reflected forms): only the tensor
    # gets a gradient, summed back to its own shape
    op, np_op, left, right = BINARY[name]
    a, b = data.draw(broadcast_pair(left, right))
    check_vjp(lambda x: op(x, b.data), a, seed=seed, tol=TOL)
    check_vjp(lambda y: op(a.data, y), b, seed=seed, tol=TOL)
    np.testing.assert_allclose(op(a.data, b).data, np_op(a.data, b.data), rtol=1e-15)


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data(), seed=seeds)
def test_binary_gradient_matches_the_closed_form(name, data, seed):
    # the textbook rules, summed back over broadcast axes, written independently here
    op, _, left, right = BINARY[name]
    a, b = data.draw(broadcast_pair(left, right))
    out = op(a, b)
    R = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(R)
    A, B = np.broadcast_arrays(a.data, b.data)
    local = {  # only the drawn op's rule is evaluated: others may divide by zero here
        "add": lambda: (np.ones_like(A), np.ones_like(B)),
        "sub": lambda: (np.ones_like(A), -np.ones_like(B)),
        "mul": lambda: (B, A),
        "div": lambda: (1 / B, -A / B**2),
        "pow": lambda: (B * A ** (B - 1), A**B * np.log(A)),
    }[name]()

    def reduce(x):  # sum over the broadcast axes, back to t's shape
        x = np.sum(x, axis=tuple(range(R.ndim - t.ndim)))
        return x.sum(axis=tuple(i for i, n in enumerate(t.shape) if n == 1),
                     keepdims=True).reshape(t.shape)

    for t, d in zip((a, b), local, strict=True):
        assert t.grad.shape == t.shape
        # the same k <= R.size terms R·d, summed in another order, and each term computed in
        # another order too (a few roundings): within 2(k + 4)·2⁻⁵³·Σ|terms| (Higham), plus
        # 2⁻¹⁰⁷⁴ per rounding where values underflow (subnormal numbers are drawn too)
        roundings = 2 * (R.size + 4)
        bound = roundings * (2.0**-53 * reduce(np.abs(R * d)) + 2.0**-1074)
        assert (np.abs(t.grad - reduce(R * d)) <= bound).all()


@given(x=tensors(elements=elements(-3, 3)), seed=seeds,
       exponent=st.sampled_from([2, 3, 2.0, -1.0, 0.0, 1.0]))
def test_power_with_a_constant_exponent_allows_negative_bases(x, seed, exponent):
    if exponent < 0:
        x = Tensor(np.where(np.abs(x.data) < 0.5, 0.5, x.data), requires_grad=True)
    np.testing.assert_allclose((x**exponent).data, x.data**exponent, rtol=1e-15)
    check_vjp(lambda t: t**exponent, x, seed=seed, tol=TOL)


@given(x=tensors(elements=elements(-2, 2)), seed=seeds, base=st.sampled_from([0.5, 2.0, np.e]))
def test_constant_base_to_a_tensor_power(x, seed, base):
    np.testing.assert_allclose((base**x).data, base**x.data, rtol=1e-15)
    check_vjp(lambda t: base**t, x, seed=seed, tol=TOL)


def test_pow_gradient_of_exponent_at_zero_base_uses_the_limit():
    # d(a^b)/db = a^b ln a -> 0 as a -> 0 for b > 0
    a = Tensor([0.0, 2.0])
    b = Tensor([2.0, 3.0], requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(b.grad, [0.0, 8.0 * np.log(2.0)])


@given(broadcastable_tensors(3), seeds)
def test_three_way_broadcast_expression(xs, seed):
    a, b, c = xs
    check_vjp(lambda a, b, c: a * b + c - a, a, b, c, seed=seed, tol=TOL)


@pytest.mark.parametrize("name", BINARY)
def test_binary_shape_error_names_op_and_shapes(name):
    op = BINARY[name][0]
    with pytest.raises(tg.ShapeError) as info:
        op(Tensor(np.ones((32, 3))), Tensor(np.ones(4), requires_grad=True))
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    assert "(32, 3)" in message and "(4,)" in message
    with pytest.raises(tg.ShapeError, match=rf"^{name}: .*\(2, 5\)"):
        op(np.ones((2, 5)), Tensor(np.ones((3, 1))))


# ---------------------------------------------------------------------------
# unary
# ---------------------------------------------------------------------------

UNARY = {
    # name: (tensor function, numpy function, elements keeping away from kinks/domain edges)
    "neg": (operator.neg, np.negative, None),
    "exp": (Tensor.exp, np.exp, None),
    "log": (Tensor.log, np.log, elements(0.1, 3.0)),
    "sqrt": (Tensor.sqrt, np.sqrt, elements(0.1, 3.0)),
    "abs": (Tensor.abs, np.abs, elements(avoid=(0.0,))),
    "square": (Tensor.square, np.square, None),
}


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data(), seed=seeds)
def test_unary_forward_equals_numpy_and_gradients_check(name, data, seed):
    f, np_f, elems = UNARY[name]
    x = data.draw(tensors(elements=elems))
    out = f(x)
    assert out.op == name and out.shape == x.shape
    np.testing.assert_allclose(out.data, np_f(x.data), rtol=1e-15)
    check_vjp(f, x, seed=seed, tol=TOL)


def test_abs_operator_and_its_gradient_at_zero():
    x = Tensor([-2.0, 0.0, 3.0], requires_grad=True)
    y = abs(x)
    assert y.op == "abs"
    y.backward(np.array([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 1.0])  # the subgradient's middle at 0


@given(x=tensors(elements=elements(0.2, 2.0)), seed=seeds)
def test_composite_expression(x, seed):
    check_vjp(lambda t: (t.log() * t.sqrt() - (-t).exp() / t) ** 2, x, seed=seed, tol=TOL)


@given(x=tensors(dtype=np.float32, requires_grad=True))
def test_float32_forward_and_gradient_stay_float32(x):
    y = (x * x + x.exp()).sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32
    expected = 2 * x.data.astype(np.float64) + np.exp(x.data.astype(np.float64))
    # float32 rounding: a few ulps (2^-23 ≈ 1.2e-7) of values up to e³ ≈ 20
    np.testing.assert_allclose(x.grad, expected, rtol=1e-6, atol=1e-5)


def test_square_is_x_times_x_with_gradient_2x():
    x = Tensor([-1.5, 0.0, 2.0], requires_grad=True)
    y = x.square()
    np.testing.assert_array_equal(y.data, (x * x).data)
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad, [-3.0, 0.0, 12.0])


def test_pytorch_method_spellings_record_the_same_ops():
    a = Tensor([[1.0, 2.0]], requires_grad=True)
    b = Tensor([[3.0], [4.0]])
    for method, op in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                       ("div", operator.truediv), ("pow", operator.pow)]:
        via_method, via_operator = getattr(a, method)(b), op(a, b)
        assert via_method.op == via_operator.op
        np.testing.assert_array_equal(via_method.data, via_operator.data)


def test_unary_plus_is_the_tensor_itself():
    x = Tensor([1.0, -2.0], requires_grad=True)
    assert +x is x and np.positive(x) is x
