"""Tensor construction, attributes, conversions and the factory functions (API.md §1)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import Tensor

# ---------------------------------------------------------------------------
# construction and dtypes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, shape",
    [
        (3, ()),
        (2.5, ()),
        (True, ()),
        ([1, 2, 3], (3,)),
        ([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], (3, 2)),
        (np.arange(6).reshape(2, 3), (2, 3)),
        (np.float64(1.5), ()),
        (np.int32(7), ()),
        ([], (0,)),
    ],
)
def test_construction_from_numbers_lists_and_arrays(data, shape):
    t = Tensor(data)
    assert t.shape == shape
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


@pytest.mark.parametrize("data", [[1, 2], np.array([1, 2], dtype=np.int8),
                                  np.array([3], dtype=np.uint16), [True, False],
                                  np.array([True]), 5])
def test_integers_and_bools_become_float64(data):
    t = Tensor(data)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data).astype(np.float64))


def test_bools_map_to_zero_and_one():
    np.testing.assert_array_equal(Tensor([True, False, True]).data, [1.0, 0.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_arrays_keep_their_dtype(dtype):
    t = Tensor(np.array([1.5, -2.0], dtype=dtype))
    assert t.dtype == dtype
    assert t.data.dtype == dtype


@pytest.mark.parametrize("source", [[1, 2], np.array([1.0, 2.0]), np.array([1.0, 2.0], np.float32)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32", "float64"])
def test_dtype_keyword_forces_the_dtype(source, dtype):
    t = Tensor(source, dtype=dtype)
    assert t.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(t.data, [1.0, 2.0])


@pytest.mark.parametrize("dtype", [np.int64, np.float16, np.complex128])
def test_dtype_keyword_rejects_non_float32_64(dtype):
    with pytest.raises(TypeError, match="float32 or float64"):
        Tensor([1.0], dtype=dtype)


def test_construction_from_a_tensor_copies_values_not_graph():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor(a)
    np.testing.assert_array_equal(b.data, a.data)
    assert not np.shares_memory(a.data, b.data)
    assert b.requires_grad is False and b.is_leaf
    b.data[0] = 9.0  # writing into the copy must not reach the original
    assert a.data[0] == 1.0


def test_user_arrays_are_copied():
    source = np.array([1.0, 2.0, 3.0])
    t = Tensor(source)
    source[0] = 100.0
    assert t.data[0] == 1.0
    assert not np.shares_memory(source, t.data)

    source32 = np.ones(3, dtype=np.float32)
    t32 = Tensor(source32)
    source32[:] = 5.0
    np.testing.assert_array_equal(t32.data, np.ones(3))


def test_user_lists_are_copied():
    rows = [[1.0, 2.0], [3.0, 4.0]]
    t = Tensor(rows)
    rows[0][0] = 100.0
    assert t.data[0, 0] == 1.0


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=4),
                  elements=st.floats(allow_nan=False, allow_infinity=False)))
def test_any_float64_array_round_trips(arr):
    t = Tensor(arr)
    assert t.shape == arr.shape and t.dtype == np.float64
    np.testing.assert_array_equal(t.numpy(), arr)


# ---------------------------------------------------------------------------
# what is not accepted
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, given_word",
    [
        ("hello", "str"),
        (b"bytes", "bytes"),
        (None, "None"),
        (object(), "object"),
        ([[1.0, 2.0], [3.0]], "list"),
        ([1.0, [2.0, 3.0]], "list"),
        (1 + 2j, "complex"),
        ([1 + 2j, 3.0], "complex"),
        (np.array([1 + 1j]), "complex"),
        (["a", "b"], "<U1"),
        (np.array([1, None], dtype=object), "object"),
        ({"a": 1}, "dict"),
    ],
)
def test_unsupported_data_raises_type_error_saying_what_was_given(data, given_word):
    with pytest.raises(TypeError) as info:
        Tensor(data)
    message = str(info.value)
    assert given_word in message  # what was given
    assert "Tensor" in message
    assert any(word in message for word in ("number", "numeric"))  # what is accepted


def test_requires_grad_on_integer_data_works():
    x = Tensor([1, 2, 3], requires_grad=True)
    assert x.dtype == np.float64 and x.requires_grad
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])


def test_requires_grad_must_be_a_bool():
    with pytest.raises(TypeError, match="requires_grad"):
        Tensor([1.0], requires_grad="yes")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# attributes
# ---------------------------------------------------------------------------


def test_leaf_attributes():
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, name="w")
    assert isinstance(t.data, np.ndarray)
    assert t.grad is None
    assert t.requires_grad is True
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6
    assert t.dtype == np.float64
    assert t.name == "w"
    assert t.op is None and t.parents == () and t.is_leaf


def test_attributes_of_an_op_result():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((3, 4)))
    c = a @ b
    assert c.op == "matmul"
    assert c.parents == (a, b)
    assert c.parents[0] is a and c.parents[1] is b
    assert not c.is_leaf and c.requires_grad
    assert c.shape == (2, 4) and c.name is None
    assert (a + 1).op == "add" and (a * 2).op == "mul" and a.sum().op == "sum"
    assert a.sigmoid().op == "sigmoid" and a.T.op == "transpose"


def test_constant_operands_become_parents_that_do_not_require_grad():
    a = Tensor([1.0, 2.0], requires_grad=True)
    c = a * 3.0
    assert len(c.parents) == 2
    assert c.parents[0] is a
    assert isinstance(c.parents[1], Tensor) and not c.parents[1].requires_grad
    assert c.parents[1].item() == 3.0


def test_op_on_tensors_without_grad_is_a_leaf():
    c = Tensor([1.0]) + Tensor([2.0])
    assert not c.requires_grad
    assert c.is_leaf and c.op is None and c.parents == ()


def test_grad_has_the_data_shape_and_dtype():
    for dtype in (np.float32, np.float64):
        x = Tensor(np.ones((2, 3), dtype=dtype), requires_grad=True)
        (x * 2.0).sum().backward()
        assert x.grad is not None
        assert x.grad.shape == (2, 3) and x.grad.dtype == dtype
        np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))


def test_item():
    assert Tensor(3.5).item() == 3.5
    assert isinstance(Tensor(3.5).item(), float)
    assert Tensor([[2.0]]).item() == 2.0
    assert Tensor(np.float32(0.25)).item() == 0.25
    with pytest.raises(ValueError, match="item"):
        Tensor([1.0, 2.0]).item()


def test_numpy_returns_a_copy():
    t = Tensor([1.0, 2.0])
    a = t.numpy()
    np.testing.assert_array_equal(a, [1.0, 2.0])
    assert isinstance(a, np.ndarray)
    a[0] = 50.0
    assert t.data[0] == 1.0


def test_np_asarray_of_a_tensor():
    t = Tensor([[1.0, 2.0]], requires_grad=True)
    a = np.asarray(t)
    assert isinstance(a, np.ndarray) and a.shape == (1, 2)
    np.testing.assert_array_equal(a, [[1.0, 2.0]])
    np.testing.assert_array_equal(np.array(t, dtype=np.float32), np.array([[1.0, 2.0]], np.float32))
    assert np.array(t, dtype=np.float32).dtype == np.float32


def test_len():
    assert len(Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])) == 3
    with pytest.raises(TypeError):
        len(Tensor(1.0))


def test_repr_shows_values_op_and_requires_grad():
    leaf = Tensor([1.5, -2.0], requires_grad=True)
    text = repr(leaf)
    assert text.startswith("Tensor(")
    assert "1.5" in text and "-2." in text
    assert "requires_grad=True" in text
    assert "op=" not in text

    made = leaf * 2.0
    text = repr(made)
    assert "op='mul'" in text and "requires_grad=True" in text and "3." in text

    plain = repr(Tensor([7.0]))
    assert "7." in plain and "requires_grad" not in plain
    assert "float32" in repr(Tensor([1.0], dtype=np.float32))
    assert "'w'" in repr(Tensor([1.0], name="w"))


def test_repr_of_a_large_tensor_is_summarised():
    text = repr(Tensor(np.arange(10_000.0)))
    assert "..." in text
    assert len(text) < 300


# ---------------------------------------------------------------------------
# factory functions
# ---------------------------------------------------------------------------


def test_tensor_is_a_synonym_of_Tensor():
    t = tg.tensor([1, 2], requires_grad=True, name="x")
    assert isinstance(t, Tensor)
    assert t.requires_grad and t.name == "x" and t.dtype == np.float64
    assert tg.tensor([1.0], dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("factory, value", [(tg.zeros, 0.0), (tg.ones, 1.0)])
def test_zeros_and_ones(factory, value):
    for t in (factory(2, 3), factory((2, 3))):
        assert t.shape == (2, 3) and t.dtype == np.float64 and not t.requires_grad
        np.testing.assert_array_equal(t.data, np.full((2, 3), value))
    assert factory(4).shape == (4,)
    assert factory().shape == ()
    assert factory(2, requires_grad=True).requires_grad


def test_randn_shape_and_seed_reproducibility():
    a = tg.randn(3, 4, rng=0)
    assert a.shape == (3, 4) and a.dtype == np.float64 and not a.requires_grad
    np.testing.assert_array_equal(a.data, tg.randn(3, 4, rng=0).data)
    np.testing.assert_array_equal(a.data, tg.randn((3, 4), rng=0).data)
    assert not np.array_equal(a.data, tg.randn(3, 4, rng=1).data)
    # a Generator is used as it is: the same state gives the same values
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(tg.randn(2, rng=g1).data, tg.randn(2, rng=g2).data)
    # and it advances, so two draws differ
    assert not np.array_equal(tg.randn(2, rng=g1).data, tg.randn(2, rng=g1).data)
    assert tg.randn(2, rng=0, requires_grad=True).requires_grad


def test_randn_values_are_standard_normal():
    values = tg.randn(20_000, rng=1).data
    # mean of 20,000 N(0, 1) draws has standard deviation 1/sqrt(20000) ~ 0.007
    assert abs(values.mean()) < 0.05
    assert abs(values.std() - 1.0) < 0.05


# ---------------------------------------------------------------------------
# numpy arrays and Python numbers as operands
# ---------------------------------------------------------------------------

ARR = np.array([[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize(
    "expr, expected",
    [
        (lambda t: ARR + t, ARR + ARR * 10),
        (lambda t: ARR - t, ARR - ARR * 10),
        (lambda t: ARR * t, ARR * ARR * 10),
        (lambda t: ARR / t, ARR / (ARR * 10)),
        (lambda t: ARR**t, ARR ** (ARR * 10)),
        (lambda t: ARR @ t, ARR @ (ARR * 10)),
        (lambda t: 2.0 + t, 2.0 + ARR * 10),
        (lambda t: 2.0 - t, 2.0 - ARR * 10),
        (lambda t: 2.0 * t, 2.0 * ARR * 10),
        (lambda t: 2.0 / t, 2.0 / (ARR * 10)),
        (lambda t: 2.0**t, 2.0 ** (ARR * 10)),
        (lambda t: -t, -ARR * 10),
        (lambda t: abs(-t), ARR * 10),
    ],
)
def test_reflected_operators_give_tensors(expr, expected):
    t = Tensor(ARR * 10, requires_grad=True)
    out = expr(t)
    assert isinstance(out, Tensor)
    assert out.requires_grad
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


def test_reflected_operators_send_gradient_to_the_right_operand():
    t = Tensor([2.0, 4.0], requires_grad=True)
    (np.array([1.0, 3.0]) / t).sum().backward()
    np.testing.assert_allclose(t.grad, -np.array([1.0, 3.0]) / np.array([4.0, 16.0]))
    t.grad = None
    (10.0 - t).sum().backward()
    np.testing.assert_array_equal(t.grad, [-1.0, -1.0])


@pytest.mark.parametrize(
    "expr",
    [
        lambda t: t * 2,
        lambda t: 2 * t,
        lambda t: t + 1.5,
        lambda t: 1.5 - t,
        lambda t: t / 3,
        lambda t: 3.0 / t,
        lambda t: t**2,
        lambda t: 2.0**t,
        lambda t: (t * np.float64(0.5)).exp(),
        lambda t: t.sigmoid().log(),
        lambda t: t.mean(),
        lambda t: t.softmax(),
    ],
)
def test_python_constants_keep_float32(expr):
    t = Tensor(np.array([0.5, 1.0, 2.0], dtype=np.float32), requires_grad=True)
    out = expr(t)
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad is not None and t.grad.dtype == np.float32


def test_float32_with_float64_tensor_follows_numpy_promotion():
    out = Tensor([1.0], dtype=np.float32) + Tensor([1.0])
    assert out.dtype == np.result_type(np.float32, np.float64)


@pytest.mark.parametrize("left", [np.float64(2.0), np.float32(2.0), np.int64(2), [2.0, 2.0],
                                  (2.0, 2.0), np.array(2.0)])
def test_numpy_scalars_lists_and_tuples_on_the_left_give_tensors(left):
    t = Tensor([1.0, 4.0], requires_grad=True)
    out = left * t - left / t
    assert isinstance(out, Tensor) and out.requires_grad
    np.testing.assert_allclose(out.data, 2.0 * t.data - 2.0 / t.data, rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(t.grad, 2.0 + 2.0 / t.data**2, rtol=1e-15)


def test_truth_value_of_one_element_and_of_many():
    assert bool(Tensor(2.0)) and not bool(Tensor([0.0]))
    with pytest.raises(ValueError,
                       match=r"truth value of a tensor with 3 elements \(shape \(3,\)\)"):
        bool(Tensor([1.0, 0.0, 1.0]))


# ---------------------------------------------------------------------------
# .grad: checked when assigned, and a warning when a non-leaf's is read
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.ones((3, 2)), np.ones(1), np.ones(()), np.ones((2, 1))],
                         ids=["3x2", "1", "0d", "2x1"])
def test_assigning_a_grad_of_another_shape_is_a_shape_error(bad):
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(tg.ShapeError, match=rf"{re.escape(str(bad.shape))}.*\(2,\)"):
        w.grad = bad
    assert w.grad is None


@pytest.mark.parametrize("bad, tensor_dtype", [
    (np.array([1, 2]), np.float64), (np.array([True, False]), np.float64),
    (np.array([1.0, 2.0], dtype=np.float32), np.float64),
    (np.array([1.0, 2.0]), np.float32), (np.array([1j, 2.0]), np.float64)],
    ids=["int", "bool", "float32-for-float64", "float64-for-float32", "complex"])
def test_assigning_a_grad_of_another_dtype_is_a_type_error(bad, tensor_dtype):
    w = Tensor([1.0, 2.0], requires_grad=True, dtype=tensor_dtype)
    with pytest.raises(TypeError, match=f"{np.dtype(tensor_dtype)}.*{bad.dtype}"):
        w.grad = bad
    assert w.grad is None


def test_assigning_a_good_grad_or_none():
    w = Tensor([1.0, 2.0], requires_grad=True)
    w.grad = [0.5, 0.25]
    np.testing.assert_array_equal(w.grad, [0.5, 0.25])
    w.grad = None
    assert w.grad is None


@pytest.mark.parametrize("make", ["SGD", "Adam"])
def test_optimizers_never_see_a_wrongly_shaped_grad(make):
    w = Tensor([1.0, 2.0], requires_grad=True)
    opt = getattr(tg.optim, make)([w], lr=0.1)
    with pytest.raises(tg.ShapeError):
        w.grad = np.ones(1)  # used to be kept, then broadcast by step() without a word
    opt.step()  # no grad: the parameter is skipped
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


def test_reading_the_grad_of_a_non_leaf_warns_and_gives_none():
    w = Tensor([1.0, 2.0], requires_grad=True)
    h = w * 2.0
    (h * h).sum().backward()
    with pytest.warns(UserWarning, match="retain_grad"):
        assert h.grad is None
    kept = w * 2.0
    kept.retain_grad()
    (kept * kept).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning for a retained gradient or a leaf
        np.testing.assert_array_equal(kept.grad, [4.0, 8.0])
        np.testing.assert_array_equal(w.grad, [16.0, 32.0])  # 8w from each backward
        assert Tensor([1.0], requires_grad=True).grad is None


def test_fn_is_the_recorded_operation_with_its_parameters():
    x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    s = x.sum(axis=1)
    assert isinstance(s.fn, tg.Function) and s.fn.name == s.op == "sum"
    assert dict(s.fn.params) == {"axis": 1, "keepdims": False}
    assert x.fn is None and s.detach().fn is None
    with tg.no_grad():
        assert x.sum(axis=0).fn is None  # nothing recorded
