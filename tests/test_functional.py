"""``tinygrad_edu.functional``: every F.* function takes Tensors, Python numbers, lists and
numpy arrays (non-Tensors are constants) and returns a Tensor; F.identity / F.linear."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tinygrad_edu.functional as F
from tinygrad_edu import Tensor

VALUES = [-1.5, 0.0, 2.0]

ACTIVATIONS = {
    "identity": lambda a: a,
    "linear": lambda a: a,
    "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
    "leaky_relu": lambda a: np.where(a > 0, a, 0.01 * a),
    "sign": np.sign,
    "step": lambda a: (a >= 0).astype(float),
    "softmax": lambda a: np.exp(a) / np.exp(a).sum(),
    "log_softmax": lambda a: a - np.log(np.exp(a).sum()),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("kind", ["tensor", "list", "array", "float32 array"])
def test_activations_accept_tensors_lists_and_arrays(name, kind):
    data = {
        "tensor": Tensor(VALUES, requires_grad=True),
        "list": list(VALUES),
        "array": np.array(VALUES),
        "float32 array": np.array(VALUES, dtype=np.float32),
    }[kind]
    out = getattr(F, name)(data)
    assert isinstance(out, Tensor)
    assert out.requires_grad == (kind == "tensor")  # a constant in, a constant out
    expected_dtype = np.float32 if kind == "float32 array" else np.float64
    assert out.dtype == expected_dtype
    rtol = 1e-6 if kind == "float32 array" else 1e-14  # float32 keeps ~7 digits
    np.testing.assert_allclose(out.data, ACTIVATIONS[name](np.array(VALUES)), rtol=rtol,
                               atol=1e-7)


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "sign",
                                  "step"])
def test_activations_accept_python_numbers(name):
    for number in (2, 2.0, -0.5):
        out = getattr(F, name)(number)
        assert isinstance(out, Tensor) and out.shape == ()
        assert out.dtype == np.float64
        np.testing.assert_allclose(out.data, ACTIVATIONS[name](np.array(float(number))),
                                   rtol=1e-15)


def test_identity_and_linear():
    assert F.linear is F.identity
    x = Tensor([1.0, -2.0], requires_grad=True)
    assert F.identity(x) is x  # nothing to record: the tensor itself
    y = F.linear(x) * 3.0
    y.backward(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])
    c = F.identity([1, 2])
    assert isinstance(c, Tensor) and c.dtype == np.float64 and not c.requires_grad


def test_leaky_relu_slope_parameter():
    np.testing.assert_allclose(F.leaky_relu([-2.0, 3.0]).data, [-0.02, 3.0])
    np.testing.assert_allclose(F.leaky_relu([-2.0, 3.0], slope=0.5).data, [-1.0, 3.0])
    np.testing.assert_allclose(F.leaky_relu([-2.0, 3.0], 0.25).data, [-0.5, 3.0])


def test_softmax_axis_parameter():
    a = np.array([[0.0, 1.0], [2.0, 4.0]])
    np.testing.assert_allclose(F.softmax(a, axis=0).data.sum(axis=0), [1.0, 1.0])
    np.testing.assert_allclose(F.log_softmax(a, 0).data, np.log(F.softmax(a, 0).data))


LOSSES = {
    "squared_error": lambda y, t: np.sum((y - t) ** 2),
    "mse": lambda y, t: np.mean((y - t) ** 2),
    "binary_cross_entropy": lambda p, t: -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)),
    "binary_cross_entropy_with_logits": lambda z, t: -np.mean(
        t * np.log(1 / (1 + np.exp(-z))) + (1 - t) * np.log(1 - 1 / (1 + np.exp(-z)))),
}


GRADIENTS = {  # dE/dy of each loss above, n = 3 elements
    "squared_error": lambda y, t: 2 * (y - t),
    "mse": lambda y, t: 2 * (y - t) / 3,
    "binary_cross_entropy": lambda p, t: (p - t) / (p * (1 - p)) / 3,
    "binary_cross_entropy_with_logits": lambda z, t: (1 / (1 + np.exp(-z)) - t) / 3,
}


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("kinds", [("tensor", "array"), ("tensor", "list"), ("array", "array"),
                                   ("list", "tensor"), ("tensor", "number")])
def test_losses_accept_tensors_lists_arrays_and_numbers(name, kinds):
    y_values, t_values = np.array([0.2, 0.7, 0.4]), np.array([1.0, 1.0, 1.0])

    def make(kind, values):
        return {"tensor": Tensor(values, requires_grad=True), "array": values.copy(),
                "list": values.tolist(), "number": float(values[0])}[kind]

    y, t = make(kinds[0], y_values), make(kinds[1], t_values)
    E = getattr(F, name)(y, t)
    assert isinstance(E, Tensor) and E.shape == ()
    assert E.requires_grad == ("tensor" in kinds)
    np.testing.assert_allclose(E.data, LOSSES[name](y_values, t_values), rtol=1e-13)
    if isinstance(y, Tensor):
        E.backward()
        np.testing.assert_allclose(y.grad, GRADIENTS[name](y_values, t_values), rtol=1e-13)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("number", [1, 1.0, np.int64(1), np.float32(1.0), np.float64(1.0),
                                    np.uint8(1)])
def test_a_numpy_scalar_target_works_like_a_python_number(name, number):
    # F.mse(y, np.int64(1)) used to raise a ShapeError while F.mse(y, 1) worked
    y = Tensor([0.2, 0.7, 0.4], requires_grad=True)
    E = getattr(F, name)(y, number)
    np.testing.assert_allclose(E.data, LOSSES[name](y.data, np.ones(3)), rtol=1e-13)
    E.backward()
    np.testing.assert_allclose(y.grad, GRADIENTS[name](y.data, np.ones(3)), rtol=1e-13)


def test_class_losses_accept_lists_arrays_and_tensors_of_indices():
    p = np.array([[0.25, 0.75], [0.6, 0.4]])
    expected = -(np.log(0.75) + np.log(0.6)) / 2
    for t in ([1, 0], np.array([1, 0]), Tensor([1, 0]), np.array([[0, 1], [1, 0]]),
              [[0.0, 1.0], [1.0, 0.0]]):
        np.testing.assert_allclose(F.cross_entropy(p, t).data, expected, rtol=1e-15)
        np.testing.assert_allclose(F.cross_entropy(p.tolist(), t).data, expected, rtol=1e-15)
        np.testing.assert_allclose(F.softmax_cross_entropy(np.log(p), t).data, expected,
                                   rtol=1e-14)


def test_functional_docstring_examples_run():
    result = doctest.testmod(F, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_every_activation_and_loss_of_the_api_exists():
    names = ["identity", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "sign", "step",
             "softmax", "log_softmax", "squared_error", "mse", "binary_cross_entropy",
             "binary_cross_entropy_with_logits", "cross_entropy", "softmax_cross_entropy"]
    missing = [n for n in names if not callable(getattr(F, n, None))]
    assert not missing
