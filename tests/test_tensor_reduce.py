"""The reduction methods (tensor_reduce.py): PyTorch's keyword spellings give the same ops as
numpy's, both spellings at once are a TypeError, and argmax / argmin answer with plain
integers, outside the graph."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import ShapeError, Tensor
from tinygrad_edu.testing import distinct_tensors, shapes

METHODS = ["sum", "mean", "max", "min", "prod", "var", "std"]


@pytest.mark.parametrize("method", METHODS)
@given(x=distinct_tensors(shapes(min_dims=1)), data=st.data())
def test_dim_and_keepdim_mean_axis_and_keepdims(method, x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    keep = data.draw(st.booleans())
    numpy_style = getattr(x, method)(axis=axis, keepdims=keep)
    torch_style = getattr(x, method)(dim=axis, keepdim=keep)
    assert torch_style.op == numpy_style.op and torch_style.shape == numpy_style.shape
    np.testing.assert_array_equal(torch_style.data, numpy_style.data)


@pytest.mark.parametrize("method", [*METHODS, "argmax", "argmin"])
def test_both_spellings_at_once_is_a_type_error_naming_them(method):
    x = Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError, match=rf"^{method}: got both axis=0 and dim=1.*give only one"):
        getattr(x, method)(axis=0, dim=1)
    with pytest.raises(TypeError, match=rf"^{method}: got both keepdims=True and keepdim=True"):
        getattr(x, method)(keepdims=True, keepdim=True)


def test_pytorch_correction_is_ddof():
    x = Tensor([1.0, 2.0, 6.0])
    assert x.var(correction=1).item() == x.var(ddof=1).item() == 7.0
    assert x.std(correction=1).item() == np.std(x.data, ddof=1)


def test_var_keeps_keepdims_keyword_only_so_pytorchs_unbiased_flag_cannot_slip_in():
    # PyTorch's x.var(0, True) means unbiased=True; here a second positional is refused
    with pytest.raises(TypeError):
        Tensor(np.ones((2, 3))).var(0, True)  # type: ignore[misc]


# ----- argmax / argmin -----

@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(x=distinct_tensors(shapes(min_dims=1)), data=st.data())
def test_argmax_argmin_equal_numpy_as_plain_integers(name, x, data):
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    keep = data.draw(st.booleans())
    got = getattr(x, name)(axis=axis, keepdims=keep)
    expected = getattr(np, name)(x.data, axis=axis, keepdims=keep)
    if np.ndim(expected) == 0:  # one position: a Python int
        assert type(got) is int and got == expected
    else:
        assert type(got) is np.ndarray and got.dtype.kind == "i"
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(getattr(np, name)(x, axis=axis, keepdims=keep), expected)


def test_argmax_records_nothing_and_finds_the_first_of_ties():
    x = Tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]], requires_grad=True)
    assert x.argmax() == 3 and x.argmin() == 4  # positions in the flattened values
    np.testing.assert_array_equal(x.argmax(axis=1), [1, 0])
    np.testing.assert_array_equal(x.argmax(dim=0, keepdim=True), [[1, 0, 1]])
    # the classic use: accuracy from class scores, with no graph behind it
    assert (x.argmax(axis=1) == np.array([1, 0])).mean() == 1.0


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.argmax(axis=(0, 1)), TypeError, r"^argmax: axis must be an int"),
    (lambda x: x.argmin(axis=2), ShapeError, r"^argmin: axis 2 is out of range"),
    (lambda x: Tensor(np.ones((0, 2))).argmax(), ShapeError, r"^argmax: .*\(0, 2\) has no values"),
    (lambda x: Tensor(np.ones((2, 0))).argmin(1), ShapeError, r"^argmin: .*along axis 1"),
])
def test_argmax_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))

