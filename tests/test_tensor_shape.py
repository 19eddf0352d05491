"""The shape methods of tensor_shape.py: each equals its numpy function (values and shape)
and sends the gradient back where the values came from; PyTorch's spellings give the same
results; a repeat written PyTorch's way is refused with the right call."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import ShapeError, Tensor
from tinygrad_edu.testing import shapes, tensors


def moved_back(f, x: Tensor, seed: int = 0) -> np.ndarray:
    """x's gradient through f for a random upstream G: the oracle is the same f applied to
    an array of positions, with G added up per position."""
    out = f(x)
    g = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(g)
    positions = np.asarray(f(Tensor(np.arange(x.size, dtype=float).reshape(x.shape))).data)
    oracle = np.bincount(positions.astype(int).ravel(), weights=g.ravel(), minlength=x.size)
    np.testing.assert_allclose(x.grad, oracle.reshape(x.shape), rtol=1e-14, atol=1e-14)
    return out.data


@given(x=tensors(shapes(max_dims=4, max_side=3)), data=st.data())
def test_flatten_all_or_a_range_of_axes(x, data):
    np.testing.assert_array_equal(moved_back(lambda t: t.flatten(), x), x.data.ravel())
    np.testing.assert_array_equal(np.ravel(x).data, x.data.ravel())
    if x.ndim:
        start = data.draw(st.integers(0, x.ndim - 1))
        end = data.draw(st.integers(start, x.ndim - 1))
        shape = (*x.shape[:start], int(np.prod(x.shape[start:end + 1])), *x.shape[end + 1:])
        assert x.flatten(start, end).shape == shape
        assert x.flatten(start - x.ndim, end - x.ndim).shape == shape  # negatives too


def test_flatten_errors():
    with pytest.raises(ShapeError, match=r"^flatten: start_dim 1 comes after end_dim 0"):
        Tensor(np.ones((2, 3))).flatten(1, 0)
    with pytest.raises(ShapeError, match=r"^flatten: axis 5 is out of range"):
        Tensor(np.ones((2, 3))).flatten(5)


@given(x=tensors(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=2)),
       data=st.data())
def test_squeeze_and_expand_dims_equal_numpy(x, data):
    np.testing.assert_array_equal(moved_back(lambda t: t.squeeze(), x), np.squeeze(x.data))
    ones = [i for i, n in enumerate(x.shape) if n == 1]
    if ones:
        axis = data.draw(st.sampled_from(ones))
        assert x.squeeze(axis).shape == np.squeeze(x.data, axis).shape
        assert x.squeeze(dim=axis).shape == np.squeeze(x.data, axis).shape
        assert np.squeeze(x, axis).shape == np.squeeze(x.data, axis).shape
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    expected = np.expand_dims(x.data, axis)
    for out in (x.expand_dims(axis), x.unsqueeze(axis), np.expand_dims(x, axis)):
        assert out.op == "reshape"
        np.testing.assert_array_equal(out.data, expected)
    two = data.draw(hnp.valid_tuple_axes(x.ndim + 2, min_size=2, max_size=2))
    assert x.expand_dims(two).shape == np.expand_dims(x.data, two).shape


def test_squeeze_of_an_axis_that_is_not_1_is_an_error_as_in_numpy():
    with pytest.raises(ShapeError, match=r"^squeeze: axis 1 .* \(2, 3\) has size 3, not 1"):
        Tensor(np.ones((2, 3))).squeeze(1)


@given(x=tensors(shapes(min_dims=2, max_dims=4)), data=st.data())
def test_swapaxes_mT_and_permute_equal_numpy(x, data):
    a, b = (data.draw(st.integers(-x.ndim, x.ndim - 1)) for _ in range(2))
    expected = np.swapaxes(x.data, a, b)
    np.testing.assert_array_equal(moved_back(lambda t: t.swapaxes(a, b), x), expected)
    np.testing.assert_array_equal(np.swapaxes(x, a, b).data, expected)
    np.testing.assert_array_equal(x.mT.data, np.swapaxes(x.data, -1, -2))
    order = tuple(data.draw(st.permutations(range(x.ndim))))
    np.testing.assert_array_equal(x.permute(*order).data, np.transpose(x.data, order))
    np.testing.assert_array_equal(x.permute(order).data, np.transpose(x.data, order))


def test_transpose_is_numpys_permutation_and_swapaxes_is_pytorchs_transpose():
    W = Tensor(np.arange(6.0).reshape(2, 3))
    assert W.transpose(0, 1).shape == (2, 3)  # numpy: the identity permutation
    assert W.swapaxes(0, 1).shape == (3, 2)   # PyTorch's W.transpose(0, 1)
    assert W.transpose().shape == W.transpose(None).shape == W.T.shape == (3, 2)
    with pytest.raises(ShapeError, match=r"^mT: needs a tensor with at least 2 axes"):
        _ = Tensor([1.0, 2.0]).mT


def test_view_is_reshape():
    x = Tensor(np.arange(6.0), requires_grad=True)
    assert x.view(2, 3).op == "reshape" and x.view((3, -1)).shape == (3, 2)


@given(x=tensors(shapes(max_dims=3, max_side=3)), data=st.data())
def test_repeat_follows_numpy(x, data):
    axis = data.draw(st.none() | (st.integers(-x.ndim, x.ndim - 1) if x.ndim else st.none()))
    n = x.size if axis is None else x.shape[axis]
    repeats = data.draw(st.integers(0, 3) | st.lists(st.integers(0, 3), min_size=n, max_size=n))
    expected = np.repeat(x.data, repeats, axis=axis)
    out = moved_back(lambda t: t.repeat(repeats, axis=axis), x)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(np.repeat(x, repeats, axis).data, expected)


def test_repeat_written_the_pytorch_way_points_to_tile():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"^repeat: got 2 counts; .*use t\.tile\(\(2, 1\)\)"):
        x.repeat(2, 1)
    assert x.tile((2, 1)).shape == (4, 3)  # what PyTorch's x.repeat(2, 1) gives
    with pytest.raises(ValueError, match=r"^repeat: repeats must be an int >= 0 .*\(2 here\)"):
        x.repeat([1, 2, 3], axis=0)
    with pytest.raises(ValueError, match=r"^repeat: repeats"):
        x.repeat(1.5)


def test_shape_methods_keep_a_mask_a_mask():
    mask = Tensor([[True, False], [False, False]])
    data = np.arange(4.0)
    for moved in (mask.flatten(), mask.clone().reshape(-1), mask.T.flatten(), mask.squeeze(),
                  mask.flip().flip().flatten(), mask.swapaxes(0, 1).flatten()):
        np.testing.assert_array_equal(Tensor(data)[moved.flatten()].data, [0.0])
    np.testing.assert_array_equal(Tensor(np.arange(8.0))[mask.tile(2).flatten()].data, [0.0, 2.0])
    np.testing.assert_array_equal(Tensor(np.arange(2.0))[mask[0].broadcast_to((2,))].data, [0.0])
    np.testing.assert_array_equal(Tensor(np.arange(8.0))[mask.repeat(2)].data, [0.0, 1.0])
