"""broadcast_shape, summed_axes and unbroadcast against numpy and a brute-force oracle."""

from __future__ import annotations

import traceback

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu.broadcasting import broadcast_shape, summed_axes, unbroadcast

# shapes that broadcast together (sides 0 to 4, so empty axes are included)
broadcast_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=4,
                                                    max_dims=4)


def scatter_sum(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The oracle: each input element receives the sum of the gradients of all its copies.

    Broadcasting the array of input positions tells, for every output element, which input
    element it was copied from; bincount then adds the gradients per input position.
    """
    size = int(np.prod(shape))
    source = np.broadcast_to(np.arange(size).reshape(shape), grad.shape)
    return np.bincount(source.ravel(), weights=grad.ravel(), minlength=size).reshape(shape)


@given(broadcast_pairs)
def test_broadcast_shape_matches_numpy(shapes):
    a, b = shapes.input_shapes
    assert broadcast_shape("add", a, b) == np.broadcast_shapes(a, b) == shapes.result_shape


@given(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4))
def test_broadcast_shape_of_three_shapes_matches_numpy(shapes):
    assert broadcast_shape("op", *shapes.input_shapes) == np.broadcast_shapes(*shapes.input_shapes)


@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=5), st.data())
def test_broadcast_shape_rejects_what_numpy_rejects(shape, data):
    # different sizes, both > 1, on one axis; the right operand may also lack leading axes
    axis = data.draw(st.integers(0, len(shape) - 1))
    n = data.draw(st.integers(2, 5))
    m = data.draw(st.integers(2, 6).filter(lambda k: k != n))
    left = (*shape[:axis], n, *shape[axis + 1:])
    right = ((*shape[:axis], m, *shape[axis + 1:]))[data.draw(st.integers(0, axis)):]
    with pytest.raises(ValueError):
        np.broadcast_shapes(left, right)
    with pytest.raises(tg.ShapeError) as info:
        broadcast_shape("mul", left, right)
    message = str(info.value)
    assert message.startswith("mul: ")
    assert str(left) in message and str(right) in message


def test_broadcast_shape_message():
    with pytest.raises(tg.ShapeError) as info:
        broadcast_shape("add", (32, 3), (4,))
    assert str(info.value).startswith("add: shapes (32, 3) and (4,) do not broadcast: axis -1 "
                                      "has sizes 3 vs 4")


def summation_bound(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """How far two sums of the same k terms, added in different orders, can differ: each is
    within (k - 1)·2⁻⁵³·Σ|terms| of the exact sum (Higham, recursive or pairwise), so
    together within 2k·2⁻⁵³·Σ|terms|, per element of ``shape``."""
    k = max(grad.size // max(int(np.prod(shape)), 1), 1)
    return 2 * k * 2.0**-53 * scatter_sum(np.abs(grad), shape)


@given(broadcast_pairs, st.integers(0, 2**32 - 1))
def test_unbroadcast_equals_the_scatter_sum(shapes, seed):
    out_shape = shapes.result_shape
    grad = np.random.default_rng(seed).standard_normal(out_shape)
    for shape in shapes.input_shapes:
        result = unbroadcast(grad, shape)
        assert result.shape == shape
        expected = scatter_sum(grad, shape)
        assert (np.abs(result - expected) <= summation_bound(grad, shape)).all()


@given(broadcast_pairs)
def test_summed_axes_are_exactly_the_stretched_ones(shapes):
    out_shape = shapes.result_shape
    for shape in shapes.input_shapes:
        axes = summed_axes(out_shape, shape)
        lead = len(out_shape) - len(shape)
        padded = (1,) * lead + shape
        expected = tuple(i for i in range(len(out_shape))
                         if i < lead or (padded[i] == 1 and out_shape[i] != 1))
        assert axes == expected
        # summing those axes and dropping the leading ones gives the input's shape
        summed = np.ones(out_shape).sum(axis=axes, keepdims=True)
        assert summed.reshape(summed.shape[lead:]).shape == shape


@given(hnp.array_shapes(min_dims=0, max_dims=4))
def test_unbroadcast_to_the_same_shape_is_the_identity(shape):
    grad = np.arange(float(np.prod(shape))).reshape(shape)
    assert unbroadcast(grad, shape) is grad
    assert summed_axes(shape, shape) == ()


@pytest.mark.parametrize(
    "grad_shape, shape, axes",
    [
        ((32, 4), (4,), (0,)),
        ((32, 4), (32, 1), (1,)),
        ((32, 4), (1, 4), (0,)),
        ((2, 3, 4), (), (0, 1, 2)),
        ((2, 3, 4), (3, 1), (0, 2)),
        ((5, 1, 4), (1, 1, 4), (0,)),
        ((5, 1), (1,), (0,)),
    ],
)
def test_summed_axes_examples(grad_shape, shape, axes):
    assert summed_axes(grad_shape, shape) == axes
    grad = np.random.default_rng(0).standard_normal(grad_shape)
    np.testing.assert_allclose(unbroadcast(grad, shape), scatter_sum(grad, shape), rtol=1e-12)


def test_bias_gradient_is_the_batch_sum():
    # y = x + b with x (N, K), b (K,): each b[k] fed N outputs, so dL/db = Σ_n G[n, :]
    grad = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(unbroadcast(grad, (3,)), grad.sum(axis=0))
    np.testing.assert_array_equal(unbroadcast(grad, ()), grad.sum())
    assert unbroadcast(grad, ()).shape == ()


def test_unbroadcast_of_an_empty_gradient_gives_zeros():
    np.testing.assert_array_equal(unbroadcast(np.ones((0, 3)), (1, 3)), np.zeros((1, 3)))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_an_op_that_numpy_refuses_raises_our_error_alone(op):
    # numpy computes first; when it refuses, the op's ShapeError replaces numpy's ValueError
    # in the traceback (no "During handling of the above exception" with numpy's words)
    a, b = tg.Tensor(np.ones((2, 3))), tg.Tensor(np.ones((2, 4)))
    with pytest.raises(tg.ShapeError, match=f"^{op}: shapes \\(2, 3\\) and \\(2, 4\\)") as info:
        getattr(a, op)(b)
    assert info.value.__suppress_context__
    shown = "".join(traceback.format_exception(info.value))
    assert "ValueError" not in shown and "During handling" not in shown
