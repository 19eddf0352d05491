"""Making tensors (creation.py): full, zeros_like, ones_like, arange, linspace, eye equal
their numpy functions, take requires_grad= and dtype=, and refuse bad arguments clearly."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


@pytest.mark.parametrize("made, expected", [
    (lambda: tg.full((2, 3), 1.5), np.full((2, 3), 1.5)),
    (lambda: tg.full(4, -2), np.full(4, -2.0)),
    (lambda: tg.zeros_like(Tensor(np.ones((2, 3)))), np.zeros((2, 3))),
    (lambda: tg.ones_like(np.ones((3, 1), dtype=int)), np.ones((3, 1))),
    (lambda: tg.ones_like(2.0), np.ones(())),
    (lambda: tg.arange(5), np.arange(5.0)),
    (lambda: tg.arange(1, 2, 0.25), np.arange(1, 2, 0.25)),
    (lambda: tg.arange(3, step=2), np.arange(3.0, step=2)),
    (lambda: tg.arange(3, 0, -1), np.arange(3.0, 0, -1)),
    (lambda: tg.linspace(0, 1, 5), np.linspace(0, 1, 5)),
    (lambda: tg.linspace(0, 1, 4, endpoint=False), np.linspace(0, 1, 4, endpoint=False)),
    (lambda: tg.linspace(-1, 1), np.linspace(-1, 1)),
    (lambda: tg.eye(3), np.eye(3)),
    (lambda: tg.eye(2, 4, k=1), np.eye(2, 4, 1)),
])
def test_values_equal_numpy_in_float64_leaves(made, expected):
    t = made()
    assert type(t) is Tensor and t.is_leaf and not t.requires_grad
    assert t.dtype == np.float64 and t.shape == expected.shape
    np.testing.assert_array_equal(t.data, expected)


@pytest.mark.parametrize("make", [
    lambda **kw: tg.full((2,), 3.0, **kw), lambda **kw: tg.zeros_like(np.ones(2), **kw),
    lambda **kw: tg.ones_like(np.ones(2), **kw), lambda **kw: tg.arange(2, **kw),
    lambda **kw: tg.linspace(0, 1, 2, **kw), lambda **kw: tg.eye(2, **kw),
])
def test_requires_grad_and_float32(make):
    w = make(requires_grad=True)
    assert w.requires_grad and w.is_leaf
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, 2 * w.data)
    assert make(dtype=np.float32).dtype == np.float32


def test_like_keeps_a_float32_dtype_and_shares_nothing():
    x = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    z = tg.zeros_like(x)
    assert z.dtype == np.float32 and not z.requires_grad and z.parents == ()
    assert tg.ones_like(x, dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.full((2, -1), 0.0), ValueError, r"^full: each size of shape must be a non-neg"),
    (lambda: tg.full(2, "a"), TypeError, r"^full: fill_value must be a real number"),
    (lambda: tg.full(2, 1.0, dtype=np.int32), TypeError, r"dtype must be float32 or float64"),
    (lambda: tg.arange(0, 1, 0), ValueError, r"^arange: step must not be 0"),
    (lambda: tg.arange("3"), TypeError, r"^arange: start must be a real number"),
    (lambda: tg.linspace(0, 1, -1), ValueError, r"^linspace: num must be a non-negative int"),
    (lambda: tg.linspace(0, 1, 2.5), ValueError, r"^linspace: num must be a non-negative int"),
    (lambda: tg.eye(-2), ValueError, r"^eye: n must be a non-negative int"),
    (lambda: tg.eye(2, k=0.5), TypeError, r"^eye: k \(the diagonal\) must be an int"),
])
def test_bad_arguments_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("make", [tg.zeros, tg.ones, tg.randn])
def test_zeros_ones_randn_refuse_a_non_float_dtype_and_bad_sizes(make):
    with pytest.raises(TypeError, match="dtype must be float32 or float64, got int32"):
        make(2, dtype=np.int32)  # used to give float64 without a word
    with pytest.raises(ValueError, match=rf"^{make.__name__}: each size of shape .* got -2"):
        make(-2)  # used to be numpy's "negative dimensions are not allowed"
    with pytest.raises(ValueError, match=rf"^{make.__name__}: each size of shape .* got 2\.5"):
        make((2, 2.5))
    assert make(2, 3, dtype=np.float32).dtype == np.float32 and make((2, 3)).shape == (2, 3)


@pytest.mark.parametrize("args", [(0, float("inf")), (float("-inf"), 1), (0, 1, float("nan"))])
def test_arange_refuses_a_bound_or_step_that_is_not_finite(args):
    with pytest.raises(ValueError, match=r"^arange: (start|stop|step) must be finite"):
        tg.arange(*args)  # was numpy's "Maximum allowed size exceeded"


@pytest.mark.parametrize("start, stop", [(0, float("inf")), (float("nan"), 1)])
def test_linspace_refuses_a_bound_that_is_not_finite(start, stop):
    with pytest.raises(ValueError, match=r"^linspace: (start|stop) must be finite"):
        tg.linspace(start, stop, 3)  # was NaN values and a RuntimeWarning
