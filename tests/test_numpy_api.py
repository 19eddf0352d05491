"""numpy functions called on tensors (numpy_api.py): those with a tinygrad_edu op record the
graph and give the same values and gradients as the Tensor method; the rest raise TypeError."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import broadcastable_tensors, elements, matmul_tensors, tensors

Fn = Callable[..., Any]


def grads_of(f: Fn, *inputs: Tensor, seed: int = 0) -> tuple[Tensor, list[np.ndarray | None]]:
    """f's output and the gradient of each input, from a random (not all-ones) upstream."""
    xs = [Tensor(x.data, requires_grad=True) for x in inputs]
    out = f(*xs)
    g = np.random.default_rng(seed).uniform(0.5, 1.5, size=out.shape)
    out.backward(g)
    return out, [x.grad for x in xs]


def assert_same_op(via_numpy: Fn, via_tensor: Fn, *inputs: Tensor) -> None:
    out_np, grads_np = grads_of(via_numpy, *inputs)
    out_t, grads_t = grads_of(via_tensor, *inputs)
    assert type(out_np) is Tensor and out_np.op == out_t.op
    np.testing.assert_array_equal(out_np.data, out_t.data)
    for a, b in zip(grads_np, grads_t, strict=True):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------
# the example
# ---------------------------------------------------------------------------


def test_np_dot_then_a_bias_keeps_the_weights_gradient():
    x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, -1.0]])
    w = Tensor([[0.5], [-1.0]], requires_grad=True)
    b = Tensor([0.1], requires_grad=True)
    y = np.dot(x, w) + b
    assert type(y) is Tensor and y.parents[0].op == "dot"
    (y * y).sum().backward()
    z = x @ w.data + b.data
    np.testing.assert_allclose(w.grad, x.T @ (2 * z))
    np.testing.assert_allclose(b.grad, (2 * z).sum(axis=0))


# ---------------------------------------------------------------------------
# ufuncs
# ---------------------------------------------------------------------------

UNARY: dict[str, tuple[Fn, Fn]] = {
    "exp": (np.exp, lambda t: t.exp()),
    "log": (np.log, lambda t: t.log()),
    "sqrt": (np.sqrt, lambda t: t.sqrt()),
    "tanh": (np.tanh, lambda t: t.tanh()),
    "abs": (np.abs, lambda t: t.abs()),
    "absolute": (np.absolute, abs),
    "negative": (np.negative, lambda t: -t),
    "sin": (np.sin, lambda t: t.sin()),
    "cos": (np.cos, lambda t: t.cos()),
    "square": (np.square, lambda t: t.square()),
}


@pytest.mark.parametrize("name", list(UNARY))
@given(x=tensors(elements=elements(0.1, 3.0)))
def test_unary_ufuncs_record_the_op_with_its_gradient(name, x):
    via_numpy, via_tensor = UNARY[name]
    assert_same_op(via_numpy, via_tensor, x)


BINARY: dict[str, tuple[Fn, Fn]] = {
    "add": (np.add, lambda a, b: a + b),
    "subtract": (np.subtract, lambda a, b: a - b),
    "multiply": (np.multiply, lambda a, b: a * b),
    "divide": (np.divide, lambda a, b: a / b),
    "power": (np.power, lambda a, b: a**b),
    "maximum": (np.maximum, tg.maximum),
    "minimum": (np.minimum, tg.minimum),
}


@pytest.mark.parametrize("name", list(BINARY))
@given(ab=broadcastable_tensors(2, elements=elements(0.5, 2.0)))
def test_binary_ufuncs_record_the_op_with_both_gradients(name, ab):
    via_numpy, via_tensor = BINARY[name]
    assert_same_op(via_numpy, via_tensor, *ab)


@given(ab=matmul_tensors())
def test_np_matmul_and_np_dot_record_with_both_gradients(ab):
    assert_same_op(np.matmul, lambda a, b: a @ b, *ab)
    a, b = ab
    if a.ndim <= 2 and b.ndim <= 2:
        assert_same_op(np.dot, lambda a, b: a.dot(b), *ab)


@pytest.mark.parametrize("name", list(BINARY))
def test_a_constant_on_either_side_of_a_binary_ufunc(name):
    via_numpy, via_tensor = BINARY[name]
    w = Tensor([0.5, 1.5], requires_grad=True)
    for const in (2.0, np.array([3.0, 0.5])):
        # the reference makes the constant a Tensor itself, so no numpy dispatch is involved
        assert_same_op(lambda t, c=const: via_numpy(c, t),
                       lambda t, c=const: via_tensor(Tensor(c), t), w)
        assert_same_op(lambda t, c=const: via_numpy(t, c),
                       lambda t, c=const: via_tensor(t, Tensor(c)), w)


OPERATORS: dict[str, Fn] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "**": operator.pow, "@": operator.matmul,
}


@pytest.mark.parametrize("symbol", list(OPERATORS))
def test_an_ndarray_on_the_left_of_an_operator_gives_a_tensor_with_gradients(symbol):
    a = np.array([[1.0, 2.0], [0.5, 1.5]])
    w = Tensor([[0.5, 1.0], [2.0, 1.5]], requires_grad=True)
    y = OPERATORS[symbol](a, w)  # ndarray.__add__ & co. run first
    assert type(y) is Tensor and y.requires_grad
    y.sum().backward()
    ref = Tensor(w.data, requires_grad=True)
    OPERATORS[symbol](Tensor(a), ref).sum().backward()
    np.testing.assert_allclose(w.grad, ref.grad, rtol=1e-15)


# ---------------------------------------------------------------------------
# array functions
# ---------------------------------------------------------------------------

ARRAY_FUNCTIONS: dict[str, tuple[Fn, Fn]] = {
    "sum": (np.sum, lambda t: t.sum()),
    "sum-axis": (lambda t: np.sum(t, axis=1), lambda t: t.sum(axis=1)),
    "sum-positional-axis": (lambda t: np.sum(t, 0), lambda t: t.sum(axis=0)),
    "mean": (np.mean, lambda t: t.mean()),
    "mean-keepdims": (lambda t: np.mean(t, axis=0, keepdims=True),
                      lambda t: t.mean(axis=0, keepdims=True)),
    "max": (np.max, lambda t: t.max()),
    "max-axis": (lambda t: np.max(t, axis=-1), lambda t: t.max(axis=-1)),
    "amax": (lambda t: np.amax(t, axis=0), lambda t: t.max(axis=0)),
    "reshape": (lambda t: np.reshape(t, (3, 2)), lambda t: t.reshape(3, 2)),
    "reshape-minus-1": (lambda t: np.reshape(t, -1), lambda t: t.reshape(-1)),
    "transpose": (np.transpose, lambda t: t.T),
    "transpose-axes": (lambda t: np.transpose(t, (1, 0)), lambda t: t.transpose(1, 0)),
    "min": (lambda t: np.min(t, axis=1), lambda t: t.min(axis=1)),
    "amin": (lambda t: np.amin(t, keepdims=True), lambda t: t.min(keepdims=True)),
    "prod": (lambda t: np.prod(t, axis=0), lambda t: t.prod(axis=0)),
    "var": (lambda t: np.var(t, axis=1, ddof=1), lambda t: t.var(axis=1, ddof=1)),
    "std": (np.std, lambda t: t.std()),
    "cumsum": (lambda t: np.cumsum(t, axis=1), lambda t: t.cumsum(axis=1)),
    "cumsum-flat": (np.cumsum, lambda t: t.cumsum()),
    "clip": (lambda t: np.clip(t, 0.0, 2.0), lambda t: t.clip(0.0, 2.0)),
    "clip-keywords": (lambda t: np.clip(t, min=0.0), lambda t: t.clip(0.0)),
    "flip": (lambda t: np.flip(t, 1), lambda t: t.flip(1)),
    "tile": (lambda t: np.tile(t, (2, 1)), lambda t: t.tile((2, 1))),
    "repeat": (lambda t: np.repeat(t, 2, axis=0), lambda t: t.repeat(2, axis=0)),
    "broadcast_to": (lambda t: np.broadcast_to(t, (4, 2, 3)), lambda t: t.broadcast_to((4, 2, 3))),
    "expand_dims": (lambda t: np.expand_dims(t, 1), lambda t: t.expand_dims(1)),
    "squeeze": (lambda t: np.squeeze(t[None]), lambda t: t[None].squeeze()),
    "swapaxes": (lambda t: np.swapaxes(t, 0, 1), lambda t: t.swapaxes(0, 1)),
    "ravel": (np.ravel, lambda t: t.flatten()),
    "stack": (lambda t: np.stack([t, 2 * t], axis=1), lambda t: tg.stack([t, 2 * t], axis=1)),
    "concatenate": (lambda t: np.concatenate([t, t]), lambda t: tg.cat([t, t])),
    "where": (lambda t: np.where(t.numpy() > 1, t, -t), lambda t: tg.where(t.numpy() > 1, t, -t)),
}


@pytest.mark.parametrize("name", list(ARRAY_FUNCTIONS))
def test_array_functions_record_the_op_with_its_gradient(name):
    # distinct values: no ties for max
    w = Tensor([[0.5, -1.0, 2.0], [1.5, 3.0, -0.25]], requires_grad=True)
    via_numpy, via_tensor = ARRAY_FUNCTIONS[name]
    assert_same_op(via_numpy, via_tensor, w)


def test_np_sum_and_np_mean_of_a_weight_then_backward():
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (np.sum(w * w) + np.mean(w, axis=0, keepdims=True).sum()).backward()
    np.testing.assert_allclose(w.grad, 2 * w.data + 0.5)


def test_shape_questions_get_plain_answers():
    w = Tensor(np.zeros((2, 3)), requires_grad=True)
    assert np.shape(w) == (2, 3) and np.ndim(w) == 2 and np.size(w) == 6
    assert np.size(w, 1) == 3
    assert type(np.ndim(w)) is int and type(np.size(w)) is int


UNSUPPORTED: dict[str, Fn] = {
    "isnan": lambda t: np.isnan(t),
    "cumprod": lambda t: np.cumprod(t),
    "sum": lambda t: np.sum(t, dtype=np.float32),
    "sort": lambda t: np.sort(t),
    "fmax": lambda t: np.fmax(t, 0.0),
    "where": lambda t: np.where(t),
    "var": lambda t: np.var(t, mean=np.zeros(1)),
    "stack": lambda t: np.stack([t, t], dtype=np.float32),
    "exp": lambda t: np.exp(t, out=np.empty(2)),
    "mean": lambda t: np.mean(t, where=np.array([True, False])),
}


@pytest.mark.parametrize("name", list(UNSUPPORTED))
def test_numpy_functions_without_an_op_raise_a_type_error_naming_them(name):
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=rf"np\.{name}\b"):
        UNSUPPORTED[name](w)


def test_writing_a_tensors_result_into_an_array_is_refused_and_the_array_kept():
    a = np.array([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"np\.add.*out=.*no_grad"):
        np.add(a, w, out=a)
    np.testing.assert_array_equal(a, [1.0, 2.0])
    np.testing.assert_array_equal(w.data, [3.0, 4.0])


def test_the_explicit_ways_out_of_the_graph_still_give_plain_arrays():
    w = Tensor([1.0, 2.0], requires_grad=True)
    for a in (np.asarray(w), w.numpy(), np.array(w)):
        assert type(a) is np.ndarray and a.dtype == np.float64
        np.testing.assert_array_equal(a, [1.0, 2.0])
    assert np.asarray(w, dtype=np.float32).dtype == np.float32
    # numpy on the values is the way to compute without gradients
    np.testing.assert_array_equal(np.isnan(w.numpy()), [False, False])


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=3),
                  elements=st.floats(-3, 3, width=64)))
def test_np_asarray_round_trips_any_tensor(arr):
    np.testing.assert_array_equal(np.asarray(Tensor(arr)), arr)


def test_a_whole_training_step_written_with_numpy_functions():
    rng = np.random.default_rng(1)
    X, t = rng.standard_normal((8, 3)), rng.standard_normal(8)
    w = Tensor(np.zeros(3), requires_grad=True)
    losses = []
    for _ in range(20):
        w.grad = None
        loss = np.mean(np.power(np.dot(X, w) - t, 2))
        loss.backward()
        with tg.no_grad():
            w -= 0.1 * w.grad
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0]


def test_argmax_and_argmin_through_numpy_are_plain_integers():
    w = Tensor([[0.5, -1.0, 2.0], [1.5, 3.0, -0.25]], requires_grad=True)
    assert np.argmax(w) == 4 and type(np.argmax(w)) is int
    np.testing.assert_array_equal(np.argmin(w, axis=1), [1, 2])
