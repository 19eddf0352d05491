"""How a Tensor behaves like a numpy array and a Python number (tensor_numpy.py):
comparisons, in-place arithmetic, and conversions to Python values."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import broadcastable_tensors

COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
# few distinct values, so that equal pairs (and ties for <= and >=) are common
IN_PLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
}
FEW = st.sampled_from([-1.0, 0.0, 0.5, 1.0])

# ---------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------


@given(broadcastable_tensors(2, elements=FEW, requires_grad=True),
       st.sampled_from(list(COMPARISONS)),
       st.sampled_from(["tensor-tensor", "tensor-array", "array-tensor", "tensor-number",
                        "number-tensor", "tensor-list"]))
def test_comparisons_are_elementwise_bool_arrays_equal_to_numpy(ab, symbol, sides):
    a, b = ab
    compare = COMPARISONS[symbol]
    left, right = sides.split("-")
    number = float(b.data.flat[0])
    operand = {"tensor": b, "array": b.data.copy(), "number": number, "list": b.data.tolist()}
    values = {"tensor": b.data, "array": b.data, "number": number, "list": b.data}
    if left == "tensor":
        result, expected = compare(a, operand[right]), compare(a.data, values[right])
    else:
        result, expected = compare(operand[left], a), compare(values[left], a.data)
    assert not isinstance(result, Tensor)  # a comparison has no gradient
    assert np.asarray(result).dtype == np.bool_
    assert isinstance(result, np.ndarray)
    np.testing.assert_array_equal(result, expected)
    assert np.shape(result) == np.shape(expected)


def test_the_issues_example_equal_values_compare_equal():
    assert (Tensor([1.0, 0.0]) == Tensor([1.0, 0.0])).tolist() == [True, True]
    w = Tensor([1.0, 3.0], requires_grad=True)
    np.testing.assert_array_equal(w > 2, [False, True])
    np.testing.assert_array_equal(2 < w, [False, True])


def test_accuracy_is_the_mean_of_a_comparison():
    pred = Tensor([1.0, 0.0, 1.0, 1.0])
    for target in (np.array([1.0, 0.0, 0.0, 1.0]), Tensor([1.0, 0.0, 0.0, 1.0])):
        assert np.mean(pred == target) == 0.75
        assert np.mean(target == pred) == 0.75


@pytest.mark.parametrize("symbol", list(COMPARISONS))
def test_shapes_that_do_not_broadcast_are_a_shape_error(symbol):
    with pytest.raises(tg.ShapeError, match=r"\(2,\).*\(3,\)"):
        COMPARISONS[symbol](Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(tg.ShapeError, match=r"\(2,\).*\(3,\)"):
        COMPARISONS[symbol](Tensor([1.0, 2.0]), np.ones(3))


def test_an_array_on_the_left_that_does_not_broadcast_is_a_shape_error():
    with pytest.raises(tg.ShapeError):
        _ = np.ones(3) == Tensor([1.0, 2.0])


def test_a_0d_comparison_is_a_0d_array_on_either_side():
    for result in (Tensor(1.0) == np.array(1.0), np.array(1.0) == Tensor(1.0),
                   np.float64(1.0) == Tensor(1.0)):
        assert isinstance(result, np.ndarray) and result.shape == () and bool(result)


def test_comparing_with_none_or_a_string_is_not_equal():
    t = Tensor([1.0, 2.0])
    # `==` on purpose, not `is`: the test is about Tensor.__eq__ and __ne__ given None
    assert (t == None) is False  # noqa: E711
    assert (t != None) is True  # noqa: E711
    assert (t == "a") is False
    with pytest.raises(TypeError):
        _ = t < None


def test_tensors_stay_hashable_by_identity():
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 2.0])
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"  # equal values, different keys
    assert len({a, b, a}) == 2
    assert a in [a] and a in {a} and a in (a, b)  # found by identity before any ==
    assert hash(a) == hash(a) and hash(a) != hash(b)


# ---------------------------------------------------------------------------
# in-place arithmetic
# ---------------------------------------------------------------------------


def test_an_sgd_update_under_no_grad_changes_the_same_leaf_in_place():
    x = np.array([0.5, -1.0])
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    original, lr = w, 0.1
    expected = w.data.copy()
    for _ in range(3):
        w.grad = None
        loss = ((w * x).sum() - 1.0) ** 2
        loss.backward()
        version = w.version
        with tg.no_grad():
            w -= lr * w.grad
        expected -= lr * 2 * ((expected * x).sum() - 1.0) * x
        assert w is original and w.is_leaf and w.requires_grad and w.name == "w"
        assert w.version == version + 1
        np.testing.assert_allclose(w.data, expected, rtol=1e-12)


@pytest.mark.parametrize("symbol", ["+=", "-=", "*=", "/="])
def test_in_place_arithmetic_on_a_recorded_parameter_says_how_to_update(symbol):
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad") as info:
        IN_PLACE[symbol](w, 2.0)
    assert ".data" in str(info.value) and symbol in str(info.value)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])  # nothing was changed
    assert w.version == 0


@pytest.mark.parametrize("symbol", ["+=", "-=", "*=", "/="])
def test_in_place_arithmetic_on_a_computed_tensor_with_grad_raises_and_says_how(symbol):
    w = Tensor([1.0, 2.0], requires_grad=True)
    h = w * 2.0
    with pytest.raises(RuntimeError, match="no_grad") as info:
        IN_PLACE[symbol](h, 2.0)
    assert f"t = t {symbol[0]} ..." in str(info.value)
    np.testing.assert_array_equal(h.data, [2.0, 4.0])  # nothing was changed
    h.sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0])


@pytest.mark.parametrize("symbol, expected", [("+=", [3.0, 4.0]), ("-=", [-1.0, 0.0]),
                                              ("*=", [2.0, 4.0]), ("/=", [0.5, 1.0])])
@pytest.mark.parametrize("operand", [2.0, np.array([2.0, 2.0]), Tensor([2.0, 2.0]), [2.0, 2.0]],
                         ids=["number", "array", "tensor", "list"])
def test_in_place_arithmetic_on_a_tensor_without_grad_works_in_place(symbol, expected, operand):
    c = Tensor([1.0, 2.0])
    assert IN_PLACE[symbol](c, operand) is c  # what `c op= operand` rebinds c to
    np.testing.assert_array_equal(c.data, expected)
    assert c.version == 1


def test_in_place_arithmetic_under_no_grad_on_a_parameter_of_each_kind():
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with tg.no_grad():
        w += np.array([1.0, -1.0])  # broadcasting that keeps w's shape is fine
        w *= 2.0
        w /= Tensor(4.0)
    np.testing.assert_array_equal(w.data, [[1.0, 0.5], [2.0, 1.5]])
    assert w.version == 3 and w.is_leaf and w.requires_grad


@pytest.mark.parametrize("symbol", ["+=", "-=", "*=", "/="])
def test_in_place_arithmetic_that_would_change_the_shape_is_a_shape_error(symbol):
    c = Tensor([1.0, 2.0])
    with pytest.raises(tg.ShapeError, match=r"\(2,\).*\(2, 2\)"):
        IN_PLACE[symbol](c, np.ones((2, 2)))
    with pytest.raises(tg.ShapeError):
        IN_PLACE[symbol](c, np.ones(3))
    np.testing.assert_array_equal(c.data, [1.0, 2.0])
    assert c.version == 0


def test_in_place_arithmetic_keeps_float32():
    c = Tensor([1.0, 2.0], dtype=np.float32)
    c += np.array([0.5, 0.5])  # float64 operand
    assert c.dtype == np.float32
    np.testing.assert_array_equal(c.data, np.array([1.5, 2.5], dtype=np.float32))


def test_an_output_changed_in_place_after_forward_makes_backward_raise():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp's rule uses its output
    with tg.no_grad():
        y += 1.0
    with pytest.raises(RuntimeError, match=r"output.*changed in place"):
        y.sum().backward()


def test_an_input_changed_in_place_under_no_grad_makes_backward_raise():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    loss = (w * w).sum()
    with tg.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match=r"'w'.*changed in place"):
        loss.backward()


def test_adding_a_parameter_into_a_constant_in_place_does_not_lose_its_gradient():
    h0 = np.array([1.0, 2.0])
    h, w = Tensor(h0), Tensor([3.0, 4.0], requires_grad=True)
    try:
        h += w
    except RuntimeError:
        return  # refusing it is a correct answer too
    (h * w).sum().backward()
    np.testing.assert_allclose(w.grad, h0 + 2 * w.data)  # d/dw [(h0 + w) · w]


# ---------------------------------------------------------------------------
# conversions to Python values
# ---------------------------------------------------------------------------


def test_float_int_and_format_of_a_loss():
    w = Tensor([0.25, 0.5], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    assert float(loss) == 0.3125 and type(float(loss)) is float
    assert f"{loss:.4f}" == "0.3125"
    assert f"{loss:>8.2f}" == "    0.31"
    assert int(Tensor(2.7)) == 2 and int(Tensor(-2.7)) == -2 and type(int(Tensor(2.7))) is int
    assert float(Tensor([[1.5]])) == 1.5  # one element, any shape
    assert f"{Tensor([[0.5]]):.3f}" == "0.500"
    assert f"{loss}" == str(loss)  # no format spec: the repr, as before


def test_format_of_a_tensor_with_many_elements_formats_each_value():
    assert f"{Tensor([1.0, 2.5]):.2f}" == "[1.00, 2.50]"
    assert f"{Tensor([[1.0, 2.5], [3.0, -4.0]]):.2f}" == "[[1.00, 2.50],\n [3.00, -4.00]]"
    assert format(Tensor([1e-9, 2.0]), ".1e") == "[1.0e-09, 2.0e+00]"


@pytest.mark.parametrize("convert", [float, int], ids=["float", "int"])
def test_float_and_int_of_many_elements_say_how_to_reduce(convert):
    with pytest.raises(ValueError, match=r"\(2,\).*sum"):
        convert(Tensor([1.0, 2.0]))


def test_tolist_and_len():
    assert Tensor([[1, 2], [3, 4]]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert Tensor(3.0).tolist() == 3.0 and type(Tensor(3.0).tolist()) is float
    assert len(Tensor(np.zeros((5, 2)))) == 5
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_iterating_over_the_first_axis_records_each_row():
    X = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    rows = list(X)
    assert len(rows) == 3 and all(r.op == "index" and r.shape == (2,) for r in rows)
    np.testing.assert_array_equal(rows[2].data, [5.0, 6.0])
    total = rows[0] * rows[1] + 2.0 * rows[2]
    total.sum().backward()
    np.testing.assert_array_equal(X.grad, [[3.0, 4.0], [1.0, 2.0], [2.0, 2.0]])
    with pytest.raises(TypeError):
        list(Tensor(1.0))


def test_a_loss_kept_as_a_float_does_not_keep_the_graph():
    import gc
    import weakref

    w = Tensor([1.0, 2.0], requires_grad=True)
    hidden = w * 3.0
    ref = weakref.ref(hidden)
    loss = (hidden * hidden).sum()
    kept = float(loss)
    loss.backward()
    del hidden, loss
    gc.collect()
    assert ref() is None and kept == 45.0
