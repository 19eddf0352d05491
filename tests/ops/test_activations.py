"""Activations: identity/linear, sign, step, sigmoid, tanh, relu, leaky_relu, softmax,
log_softmax. Forward against numpy formulas, gradients against central differences (away
from the kinks), the values chosen at the kinks, and stability at ±1e4."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from vjp_check import check_vjp

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor
from tinygrad_edu.testing import elements, shapes, tensors

# Central differences (float64, eps 1e-6): truncation eps²·|f'''|/6 < 1e-12 for these smooth
# functions on [-3, 3] (|f'''| <= 2), rounding ~1e-16·|F|/eps < 1e-8: far inside 1e-6.
TOL = {"atol": 1e-6, "rtol": 1e-5}
seeds = st.integers(0, 2**32 - 1)
off_kink = elements(avoid=(0.0,))  # relu, leaky_relu, sign, step jump (or bend) at 0


def np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ELEMENTWISE = {
    # name: (method, F function, numpy formula, elements)
    "sigmoid": (Tensor.sigmoid, F.sigmoid, lambda a: 1 / (1 + np.exp(-a)), None),
    "tanh": (Tensor.tanh, F.tanh, np.tanh, None),
    "relu": (Tensor.relu, F.relu, lambda a: np.maximum(a, 0.0), off_kink),
    "leaky_relu": (Tensor.leaky_relu, F.leaky_relu, lambda a: np.where(a > 0, a, 0.01 * a),
                   off_kink),
    "sign": (Tensor.sign, F.sign, np.sign, off_kink),
    "step": (Tensor.step, F.step, lambda a: (a >= 0).astype(float), off_kink),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(data=st.data(), seed=seeds)
def test_activation_forward_equals_numpy_and_gradients_check(name, data, seed):
    method, function, formula, elems = ELEMENTWISE[name]
    x = data.draw(tensors(elements=elems))
    for out in (method(x), function(x)):
        assert out.op == name and out.shape == x.shape
        np.testing.assert_allclose(out.data, formula(x.data), rtol=1e-14, atol=1e-15)
    check_vjp(method, x, seed=seed, tol=TOL)
    check_vjp(function, x, seed=seed, tol=TOL)


@given(x=tensors(elements=off_kink), slope=st.floats(0.0, 1.0), seed=seeds)
def test_leaky_relu_with_a_chosen_slope(x, slope, seed):
    expected = np.where(x.data > 0, x.data, slope * x.data)
    np.testing.assert_allclose(F.leaky_relu(x, slope).data, expected, rtol=1e-15)
    np.testing.assert_allclose(x.leaky_relu(slope=slope).data, expected, rtol=1e-15)
    check_vjp(lambda t: F.leaky_relu(t, slope=slope), x, seed=seed, tol=TOL)


@pytest.mark.parametrize("f", [F.identity, F.linear])
@given(x=tensors(), seed=seeds)
def test_identity_passes_values_and_gradient_unchanged(f, x, seed):
    out = f(x)
    np.testing.assert_array_equal(out.data, x.data)
    check_vjp(f, x, seed=seed, tol=TOL)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(data=st.data(), seed=seeds)
def test_softmax_family_forward_and_gradients_along_any_axis(name, data, seed):
    x = data.draw(tensors(shapes(min_dims=1)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    s = np_softmax(x.data, axis)
    expected = s if name == "softmax" else np.log(s)
    for out in (getattr(x, name)(axis=axis), getattr(F, name)(x, axis=axis)):
        assert out.op == name and out.shape == x.shape
        np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-15)
    check_vjp(lambda t: getattr(t, name)(axis=axis), x, seed=seed, tol=TOL)


def test_softmax_default_axis_is_the_last():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(x.softmax().data, np_softmax(x.data, -1), rtol=1e-15)
    np.testing.assert_allclose(x.softmax().data.sum(axis=-1), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(F.log_softmax(x).data, np.log(np_softmax(x.data, -1)), rtol=1e-14)


def test_activations_accept_numbers_and_arrays():
    assert F.sigmoid(0.0).item() == 0.5
    np.testing.assert_array_equal(F.relu(np.array([-1.0, 2.0])).data, [0.0, 2.0])
    np.testing.assert_array_equal(F.step([-1, 0, 1]).data, [0.0, 1.0, 1.0])


# ---------------------------------------------------------------------------
# values at the kinks
# ---------------------------------------------------------------------------


def test_values_and_derivatives_at_zero():
    x = Tensor([0.0, 0.0, 0.0, 0.0], requires_grad=True)
    assert F.step(x).data.tolist() == [1.0, 1.0, 1.0, 1.0]  # step(0) = 1
    assert F.sign(x).data.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert F.relu(x).data.tolist() == [0.0, 0.0, 0.0, 0.0]

    F.relu(x).backward(np.ones(4) * 3.0)
    np.testing.assert_array_equal(x.grad, np.zeros(4))  # relu'(0) = 0

    z = Tensor([0.0], requires_grad=True)
    F.leaky_relu(z, slope=0.2).backward(np.array([5.0]))
    np.testing.assert_allclose(z.grad, [1.0])  # leaky_relu'(0) = slope


@pytest.mark.parametrize("f", [F.sign, F.step, Tensor.sign, Tensor.step])
def test_sign_and_step_pass_zeros_not_none(f):
    x = Tensor([-2.0, 0.0, 0.5, 3.0], requires_grad=True)
    y = (f(x) * 3.0 + 1.0).sum()
    y.backward()
    assert x.grad is not None  # reached only through sign/step: zeros, not "no gradient"
    np.testing.assert_array_equal(x.grad, np.zeros(4))


def test_a_perceptron_output_gives_its_weights_zero_gradients():
    w = Tensor([0.5, -1.0], requires_grad=True)
    b = Tensor(0.0, requires_grad=True)
    y = F.step(w.dot(np.array([1.0, 2.0])) + b)
    F.squared_error(y, 1.0).backward()
    np.testing.assert_array_equal(w.grad, [0.0, 0.0])
    np.testing.assert_array_equal(b.grad, 0.0)


# ---------------------------------------------------------------------------
# stability at ±1e4
# ---------------------------------------------------------------------------

BIG = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [3.0, -1e4, 2.0]])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "softmax", "log_softmax"])
def test_large_inputs_give_finite_values_and_gradients(name):
    # any numpy warning (overflow, invalid value) fails the test: see pyproject filterwarnings
    x = Tensor(BIG, requires_grad=True)
    out = getattr(F, name)(x)
    assert np.isfinite(out.data).all()
    out.backward(np.random.default_rng(0).standard_normal(BIG.shape))
    assert np.isfinite(x.grad).all()


def test_large_input_values_are_exact_limits():
    np.testing.assert_array_equal(F.sigmoid(np.array([1e4, -1e4, 0.0])).data, [1.0, 0.0, 0.5])
    s = F.softmax(BIG).data
    np.testing.assert_allclose(s[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(s[1], [0.0, 0.5, 0.5])
    log_s = F.log_softmax(BIG).data
    np.testing.assert_allclose(log_s[0], [0.0, -2e4, -1e4])
    np.testing.assert_allclose(log_s[1], [-2e4 - np.log(2), -np.log(2), -np.log(2)])


def test_softmax_gradient_at_large_inputs_matches_the_jacobian():
    # ds/dz = diag(s) - s sᵀ row by row; with one-hot-like rows it is nearly zero but exact
    x = Tensor(BIG, requires_grad=True)
    G = np.random.default_rng(1).standard_normal(BIG.shape)
    F.softmax(x).backward(G)
    s = np_softmax(BIG, -1)
    expected = np.stack([(np.diag(r) - np.outer(r, r)) @ g for r, g in zip(s, G, strict=True)])
    np.testing.assert_allclose(x.grad, expected, atol=1e-15)


# ---------------------------------------------------------------------------
# NaN goes through, so detect_anomaly can see it downstream
# ---------------------------------------------------------------------------

NAN_IN = np.array([np.nan, 1.0, -1.0, 0.0])


@pytest.mark.parametrize("name, values, grads", [
    # relu and leaky_relu as PyTorch 2.13: NaN passes with gradient 1 (relu) or slope
    ("relu", [np.nan, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]),
    ("leaky_relu", [np.nan, 1.0, -0.01, 0.0], [0.01, 1.0, 0.01, 0.01]),
    # PyTorch's sign and heaviside give 0 for NaN; here NaN stays NaN (flat: gradient 0)
    ("sign", [np.nan, 1.0, -1.0, 0.0], [0.0, 0.0, 0.0, 0.0]),
    ("step", [np.nan, 1.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]),
    ("sigmoid", [np.nan, 1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(1.0)), 0.5], None),
    ("tanh", [np.nan, np.tanh(1.0), -np.tanh(1.0), 0.0], None),
])
def test_nan_propagates_through_activations(name, values, grads):
    x = Tensor(NAN_IN, requires_grad=True)
    out = getattr(F, name)(x)
    np.testing.assert_array_equal(out.data, values)  # NaN compares equal to NaN here
    if grads is not None:
        out.backward(np.ones(4))
        np.testing.assert_array_equal(x.grad, grads)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sign", "step"])
def test_detect_anomaly_sees_a_nan_going_through(name):
    with tg.detect_anomaly(), pytest.raises(FloatingPointError, match=name):
        getattr(F, name)(Tensor([np.nan, 1.0], requires_grad=True))


@pytest.mark.parametrize("slope", ["x", [1, 2], None, True, Tensor(0.1), np.array([0.1])])
def test_leaky_relu_slope_must_be_a_number(slope):
    for call in (lambda: F.leaky_relu([1.0, -1.0], slope), lambda: F.leaky_relu([1.0], slope=slope),
                 lambda: Tensor([1.0]).leaky_relu(slope=slope)):
        with pytest.raises(TypeError, match=r"^leaky_relu: slope must be a real number"):
            call()


@pytest.mark.parametrize("slope", [np.nan, np.inf, -np.inf])
def test_leaky_relu_slope_must_be_finite(slope):
    with pytest.raises(ValueError, match=r"^leaky_relu: slope must be finite, got"):
        F.leaky_relu([1.0, -1.0], slope)


@pytest.mark.parametrize("slope", [0, 2, -0.5, np.float32(0.25), np.int64(3)])
def test_leaky_relu_accepts_any_finite_real_slope(slope):
    np.testing.assert_allclose(F.leaky_relu([-2.0, 3.0], slope).data, [-2.0 * float(slope), 3.0])


# ---------------------------------------------------------------------------
# empty axes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, axis", [((3, 0), -1), ((0, 3), 0), ((0,), 0), ((2, 0, 2), (0, 1))])
def test_softmax_over_an_empty_axis_is_a_shape_error(name, shape, axis):
    with pytest.raises(tg.ShapeError, match=rf"^{name}: axis .* is empty"):
        getattr(F, name)(Tensor(np.zeros(shape), requires_grad=True), axis=axis)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_an_empty_batch_along_a_full_axis_is_empty(name):
    out = getattr(F, name)(np.zeros((0, 3)), axis=-1)  # nothing to compute, nothing wrong
    assert out.shape == (0, 3)
