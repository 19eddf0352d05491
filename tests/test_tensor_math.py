"""Indexing a Tensor (TensorMath.__getitem__): boolean masks select as in numpy, with
numpy's / PyTorch's gradient; a tensor used as an index must hold whole numbers that fit.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.testing import shapes, tensors

MASK = [True, False, True]


def as_kind(mask: np.ndarray, kind: str) -> Any:
    """The same mask written the ways users write it."""
    return {"numpy": mask, "tensor": Tensor(mask), "list": mask.tolist()}[kind]


@pytest.mark.parametrize("mask", [Tensor(MASK), Tensor(np.array(MASK)), Tensor(Tensor(MASK))],
                         ids=["from-a-list", "from-an-array", "copied"])
def test_a_tensor_made_from_bools_is_a_mask(mask):
    # the example: values [10, 30] and gradient [1, 0, 1], as numpy and PyTorch give
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[mask]
    np.testing.assert_array_equal(y.data, [10.0, 30.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])


@pytest.mark.parametrize("kind", ["numpy", "list"])
def test_numpy_and_list_masks_keep_selecting_like_numpy(kind):
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[as_kind(np.array(MASK), kind)]
    np.testing.assert_array_equal(y.data, [10.0, 30.0])
    (y * Tensor([2.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 5.0])


@pytest.mark.parametrize("kind", ["numpy", "tensor", "list"])
def test_a_two_dimensional_mask(kind):
    data = np.arange(6.0).reshape(2, 3)
    mask = np.array([[True, False, True], [False, True, False]])
    x = Tensor(data, requires_grad=True)
    y = x[as_kind(mask, kind)]
    np.testing.assert_array_equal(y.data, [0.0, 2.0, 4.0])
    (y * Tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])


@pytest.mark.parametrize("kind", ["numpy", "tensor", "list"])
@pytest.mark.parametrize("where", ["axis1", "axis0-then-int", "ellipsis"])
def test_a_mask_inside_a_tuple_index(kind, where):
    data = np.arange(12.0).reshape(3, 4)
    x = Tensor(data, requires_grad=True)
    m3, m4 = np.array([True, False, True]), np.array([False, True, True, False])
    index, np_index = {
        "axis1": ((slice(None), as_kind(m4, kind)), (slice(None), m4)),
        "axis0-then-int": ((as_kind(m3, kind), 2), (m3, 2)),
        "ellipsis": ((Ellipsis, as_kind(m4, kind)), (Ellipsis, m4)),
    }[where]
    y = x[index]
    np.testing.assert_array_equal(y.data, data[np_index])
    g = np.arange(1.0, y.size + 1).reshape(y.shape)
    y.backward(g)
    expected = np.zeros_like(data)
    expected[np_index] = g
    np.testing.assert_array_equal(x.grad, expected)


def test_a_mask_from_a_comparison():
    x = Tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    y = x[x > 0]
    np.testing.assert_array_equal(y.data, [2.0, 4.0])
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 4.0, 0.0, 8.0])


def test_a_mask_of_the_wrong_length_is_an_index_error_naming_the_shape():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[Tensor([True, False, True])]


@st.composite
def masked_tensors(draw: st.DrawFn) -> tuple[Tensor, np.ndarray, str, np.ndarray]:
    """A tensor, a boolean mask over its first k axes (0 <= k <= ndim), the way the mask is
    written, and a random upstream gradient of the selection's shape."""
    shape = draw(shapes(min_dims=0, max_dims=3))
    k = draw(st.integers(0, len(shape)))
    mask = draw(hnp.arrays(np.bool_, shape[:k]))
    x = draw(tensors(shape))
    kind = draw(st.sampled_from(["numpy", "tensor", "list"]))
    out_shape = x.data[mask].shape
    g = draw(hnp.arrays(np.float64, out_shape, elements=st.floats(-2, 2, width=64)))
    return x, mask, kind, g


@given(masked_tensors())
def test_masks_select_and_differentiate_like_numpy(case):
    x, mask, kind, g = case
    index = as_kind(mask, kind)
    y = x[index]
    np.testing.assert_array_equal(y.data, x.data[mask])
    y.backward(g)
    expected = np.zeros_like(x.data)
    expected[mask] = g  # each position is selected at most once: assignment == sum
    np.testing.assert_array_equal(x.grad, expected)
    assert gradcheck(lambda t: t[index], Tensor(x.data, requires_grad=True))


# ---------------------------------------------------------------------------
# tensors of numbers used as indices
# ---------------------------------------------------------------------------


def test_a_whole_float_tensor_is_an_integer_index():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[Tensor([2.0, 0.0, 2.0])]
    np.testing.assert_array_equal(y.data, [30.0, 10.0, 30.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 2.0])


@pytest.mark.parametrize("value", [1.5, -0.25, np.nan, np.inf, -np.inf],
                         ids=["1.5", "-0.25", "nan", "inf", "-inf"])
def test_a_float_index_that_is_not_whole_is_a_clear_index_error(value):
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    with pytest.raises(IndexError, match="whole numbers"):
        x[Tensor(value)]
    with pytest.raises(IndexError, match="whole numbers"):
        x[Tensor([0.0, value])]


@pytest.mark.parametrize("value", [1e20, -1e20, 9.3e18, 1e300])
def test_an_index_too_large_for_an_integer_is_a_clear_index_error(value):
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no cast warning first, no wrap-around index
        with pytest.raises(IndexError, match="too large"):
            x[Tensor(value)]


def test_an_index_of_exactly_two_to_the_63_is_a_clear_index_error():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(IndexError, match="too large"):
            x[Tensor(2.0**63)]


DERIVED_MASKS = {
    "row": lambda m: m[0],
    "detach": lambda m: m[0].detach(),
    "reshape": lambda m: m.reshape(6)[:3],
    "transpose": lambda m: m.T.T[0],
}


@pytest.mark.parametrize("derive", list(DERIVED_MASKS))
def test_a_mask_taken_from_a_mask_tensor_still_selects_like_numpy_or_raises(derive):
    m = Tensor([[True, False, True], [False, True, True]])
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    try:
        y = x[DERIVED_MASKS[derive](m)]
    except (IndexError, TypeError):
        return  # refusing an ambiguous 0/1 index is a correct answer too
    np.testing.assert_array_equal(y.data, [10.0, 30.0])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_takes_dim_too(name):
    import tinygrad_edu.functional as F

    x = Tensor(np.arange(6.0).reshape(2, 3))
    for out in (getattr(x, name)(dim=0), getattr(F, name)(x, dim=0)):
        np.testing.assert_array_equal(out.data, getattr(x, name)(axis=0).data)
    with pytest.raises(TypeError, match=rf"^{name}: got both axis=0 and dim=1"):
        getattr(x, name)(0, dim=1)
