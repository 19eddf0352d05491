"""stack and concatenate (tg.stack, tg.cat / tg.concatenate, np.stack, np.concatenate):
forward equals numpy, each input's gradient is its own part of G (exactly), over
hypothesis-drawn shapes, axes and numbers of inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from vjp_check import check_vjp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import shapes, tensors

# Both ops only move values: central differences are exact up to rounding (< 1e-7).
TOL = {"atol": 1e-6, "rtol": 1e-5}
seeds = st.integers(0, 2**32 - 1)


@st.composite
def stackable(draw):
    shape = draw(shapes(max_dims=3, max_side=3))
    xs = draw(st.lists(tensors(shape), min_size=1, max_size=4))
    return xs, draw(st.integers(-len(shape) - 1, len(shape)))


@st.composite
def joinable(draw):
    shape = list(draw(shapes(min_dims=1, max_dims=3, max_side=3)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    at = axis % len(shape)
    sizes = draw(st.lists(st.integers(0, 3), min_size=1, max_size=4))
    return [draw(tensors((*shape[:at], n, *shape[at + 1:]))) for n in sizes], axis


@given(case=stackable(), seed=seeds)
def test_stack_forward_and_gradient(case, seed):
    xs, axis = case
    expected = np.stack([x.data for x in xs], axis=axis)
    for out in (tg.stack(xs, axis=axis), tg.stack(tuple(xs), dim=axis), np.stack(xs, axis)):
        assert isinstance(out, Tensor) and out.op == "stack"
        np.testing.assert_array_equal(out.data, expected)
    check_vjp(lambda *ys: tg.stack(ys, axis=axis), *xs, seed=seed, tol=TOL)


@given(case=stackable(), seed=seeds)
def test_stack_gradient_is_each_slice_of_g_exactly(case, seed):
    xs, axis = case
    out = tg.stack(xs, axis=axis)
    g = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(g)
    for i, x in enumerate(xs):
        np.testing.assert_array_equal(x.grad, np.take(g, i, axis=axis))


@given(case=joinable(), seed=seeds)
def test_concatenate_forward_and_gradient(case, seed):
    xs, axis = case
    expected = np.concatenate([x.data for x in xs], axis=axis)
    for out in (tg.concatenate(xs, axis=axis), tg.cat(xs, dim=axis), np.concatenate(xs, axis)):
        assert isinstance(out, Tensor) and out.op == "concatenate"
        np.testing.assert_array_equal(out.data, expected)
    out.backward(g := np.random.default_rng(seed).standard_normal(out.shape))
    ends = np.cumsum([x.shape[axis] for x in xs])[:-1]
    for x, part in zip(xs, np.split(g, ends, axis=axis), strict=True):
        np.testing.assert_array_equal(x.grad, part)
    if all(x.size for x in xs):  # an empty input has no gradient entries to check
        check_vjp(lambda *ys: tg.cat(ys, axis=axis), *xs, seed=seed, tol=TOL)


@given(xs=st.lists(tensors(), min_size=1, max_size=3), seed=seeds)
def test_concatenate_with_axis_none_flattens_first(xs, seed):
    out = tg.concatenate(xs, axis=None)
    np.testing.assert_array_equal(out.data, np.concatenate([x.data for x in xs], axis=None))
    check_vjp(lambda *ys: tg.concatenate(ys, axis=None), *xs, seed=seed, tol=TOL)


def test_a_tensor_used_twice_gets_both_parts():
    x = Tensor([1.0, 2.0], requires_grad=True)
    tg.cat([x, 3.0 * x]).backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [1.0 + 9.0, 2.0 + 12.0])


def test_constants_and_tensors_mixed():
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = tg.stack([w, np.zeros(2), [5.0, 6.0]])
    assert y.shape == (3, 2) and y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])
    assert not tg.stack([np.ones(2), np.ones(2)]).requires_grad  # all constant: a constant


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.stack([Tensor([1.0, 2.0]), Tensor([1.0])]), tg.ShapeError,
     r"^stack: all tensors must have the same shape, got \(2,\), \(1,\)"),
    (lambda: tg.stack([]), ValueError, r"^stack: needs at least one tensor"),
    (lambda: tg.stack(Tensor([1.0, 2.0])), TypeError,
     r"^stack: expects a list or tuple.*list\(t\)"),
    (lambda: tg.stack([Tensor([1.0])], axis=2), tg.ShapeError, r"^stack: axis 2 is out of range"),
    (lambda: tg.stack([Tensor([1.0])], axis=-1, dim=0), TypeError, r"^stack: got both axis=-1"),
    (lambda: tg.cat([Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2)))]), tg.ShapeError,
     r"^concatenate: along axis 0 .* \(2, 3\), \(3, 2\)"),
    (lambda: tg.cat([Tensor(np.ones((2, 3))), Tensor(np.ones(3))]), tg.ShapeError,
     r"^concatenate: .*same number of axes"),
    (lambda: tg.cat([Tensor(1.0), Tensor(2.0)]), tg.ShapeError, r"^concatenate: .*0-d.*use stack"),
    (lambda: tg.cat([Tensor([1.0])], axis=1.0), TypeError, r"^concatenate: axis must be an int"),
    (lambda: np.concatenate([Tensor([1.0])], out=np.zeros(1)), TypeError,
     r"^np\.concatenate: out is not supported"),
])
def test_bad_arguments_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
