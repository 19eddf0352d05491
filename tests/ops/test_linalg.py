"""Matrix products: ``@`` / ``matmul`` with every np.matmul case, and ``dot`` for 1-D/2-D."""

from __future__ import annotations

import traceback

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from vjp_check import check_vjp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import matmul_tensors, tensors

# Central differences (float64, eps 1e-6): truncation error is 0 for a product that is
# linear in each operand, rounding about 1e-16·|F|/eps with |F| = |Σ (a@b)·R| < 1e3: < 1e-7.
TOL = {"atol": 1e-6, "rtol": 1e-5}
seeds = st.integers(0, 2**32 - 1)


# every case of np.matmul, written out (the hypothesis strategy below draws them too)
CASES = {
    "1-D · 1-D": ((3,), (3,)),
    "2-D @ 1-D": ((2, 3), (3,)),
    "1-D @ 2-D": ((3,), (3, 4)),
    "2-D @ 2-D": ((2, 3), (3, 4)),
    "3-D @ 2-D": ((5, 2, 3), (3, 4)),
    "2-D @ 3-D": ((2, 3), (5, 3, 4)),
    "batched": ((5, 2, 3), (5, 3, 4)),
    "broadcast batch": ((2, 1, 2, 3), (4, 3, 2)),
    "N-D @ 1-D": ((2, 2, 3), (3,)),
    "1-D @ N-D": ((3,), (2, 3, 4)),
    "size-1 inner": ((4, 1), (1, 2)),
}


@pytest.mark.parametrize("case", CASES)
def test_every_matmul_case(case):
    shape_a, shape_b = CASES[case]
    rng = np.random.default_rng(0)
    a = Tensor(rng.standard_normal(shape_a), requires_grad=True)
    b = Tensor(rng.standard_normal(shape_b), requires_grad=True)
    out = a @ b
    expected = np.matmul(a.data, b.data)
    assert out.op == "matmul" and out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(a.matmul(b).data, expected, rtol=1e-14, atol=1e-14)
    check_vjp(lambda x, y: x @ y, a, b, seed=1, tol=TOL)


@given(matmul_tensors(), seeds)
def test_matmul_forward_and_gradients_over_drawn_shapes(ab, seed):
    a, b = ab
    out = a @ b
    np.testing.assert_allclose(out.data, np.matmul(a.data, b.data), rtol=1e-13, atol=1e-13)
    check_vjp(lambda x, y: x @ y, a, b, seed=seed, tol=TOL)


@given(matmul_tensors(requires_grad=False), seeds)
def test_matmul_with_a_constant_operand(ab, seed):
    a, b = ab
    a_leaf = Tensor(a.data, requires_grad=True)
    check_vjp(lambda x: x @ b.data, a_leaf, seed=seed, tol=TOL)  # Tensor @ ndarray
    b_leaf = Tensor(b.data, requires_grad=True)
    check_vjp(lambda y: a.data @ y, b_leaf, seed=seed, tol=TOL)  # ndarray @ Tensor (reflected)
    assert isinstance(a.data @ b_leaf, Tensor)


def reduce_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum g over the axes that broadcasting added or stretched, giving ``shape``."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


@given(matmul_tensors(), seeds)
def test_matmul_gradient_matches_the_2d_rule(ab, seed):
    # dL/dA = G @ Bᵀ and dL/dB = Aᵀ @ G with 1-D operands promoted to a row / a column and
    # batch axes summed, computed here with einsum, independently of the op's code
    a, b = ab
    out = a @ b
    R = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(R)
    A = a.data.reshape(1, -1) if a.ndim == 1 else a.data  # (..., n, k)
    B = b.data.reshape(-1, 1) if b.ndim == 1 else b.data  # (..., k, m)
    G = R.reshape(np.matmul(A, B).shape)  # the same values with the dropped axes put back
    gA = np.einsum("...nm,...km->...nk", G, B)
    gB = np.einsum("...nk,...nm->...km", A, G)
    # the same terms summed in another order: the two results are within 2k·2⁻⁵³·Σ|terms|
    # of each other, k = the number of terms per entry (Higham), with Σ|terms| computed here,
    # plus 2⁻¹⁰⁷⁴ per rounding where values underflow (subnormal numbers are drawn too)
    absA = np.einsum("...nm,...km->...nk", np.abs(G), np.abs(B))
    absB = np.einsum("...nk,...nm->...km", np.abs(A), np.abs(G))
    for t, full, size, promoted in ((a, gA, absA, A), (b, gB, absB, B)):
        assert t.grad.shape == t.shape
        expected = reduce_to(full, promoted.shape).reshape(t.shape)
        k = G.size  # more than the terms of any entry: G's entries, each used at most once
        bound = 2 * k * (2.0**-53 * reduce_to(size, promoted.shape).reshape(t.shape)
                         + 2.0**-1074)
        assert (np.abs(t.grad - expected) <= bound).all()


def test_2d_matmul_rule_by_hand():
    A = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)  # (2, 3)
    B = Tensor([[1.0, -1.0], [0.5, 2.0], [-2.0, 1.0]], requires_grad=True)  # (3, 2)
    G = np.array([[1.0, -2.0], [0.5, 3.0]])
    (A @ B).backward(G)
    np.testing.assert_array_equal(A.grad, G @ B.data.T)
    np.testing.assert_array_equal(B.grad, A.data.T @ G)


# ---------------------------------------------------------------------------
# dot
# ---------------------------------------------------------------------------


def dot_tensors():
    """(a, b) for np.dot with 1-D and 2-D operands: vector·vector, matrix·vector, ..."""
    sides = st.integers(1, 4)
    return st.tuples(sides, sides, sides, st.booleans(), st.booleans()).flatmap(
        lambda p: st.tuples(tensors((p[0], p[1]) if p[3] else (p[1],)),
                            tensors((p[1], p[2]) if p[4] else (p[1],))))


@given(dot_tensors(), seeds)
def test_dot_forward_and_gradients(ab, seed):
    a, b = ab
    expected = np.dot(a.data, b.data)
    for out in (a.dot(b), tg.dot(a, b)):
        assert out.op == "dot" and out.shape == expected.shape
        np.testing.assert_allclose(out.data, expected, rtol=1e-13, atol=1e-13)
    check_vjp(lambda x, y: x.dot(y), a, b, seed=seed, tol=TOL)
    check_vjp(lambda x, y: tg.dot(x, y), a, b, seed=seed + 1, tol=TOL)


def test_dot_of_a_neuron_with_constants():
    w = Tensor([0.5, -0.25], requires_grad=True)
    x = [1.0, 2.0]
    y = tg.dot(w, x)
    assert y.shape == () and y.item() == 0.0
    y.backward()
    np.testing.assert_array_equal(w.grad, x)
    z = tg.dot(np.array([[1.0, 2.0]]), w)  # a constant on the left
    np.testing.assert_array_equal(z.data, [0.0])


# ---------------------------------------------------------------------------
# shape errors
# ---------------------------------------------------------------------------


def test_matmul_inner_dimension_message():
    with pytest.raises(tg.ShapeError) as info:
        Tensor(np.ones((32, 4))) @ Tensor(np.ones((3, 1)))
    assert str(info.value).startswith("matmul: (32, 4) @ (3, 1): inner dimensions differ (4 != 3)")


@pytest.mark.parametrize(
    "shape_a, shape_b, expected",
    [
        ((4,), (3,), r"^matmul: \(4,\) @ \(3,\): inner dimensions differ \(4 != 3\)"),
        ((2, 4), (3,), r"^matmul: \(2, 4\) @ \(3,\): inner dimensions differ \(4 != 3\)"),
        ((4,), (3, 2), r"^matmul: \(4,\) @ \(3, 2\): inner dimensions differ \(4 != 3\)"),
        ((2, 2, 3), (4, 3, 5), r"^matmul: \(2, 2, 3\) @ \(4, 3, 5\): the batch axes .* "
                               r"\(2,\) and \(4,\) do not broadcast"),
        ((2, 3, 4), (3, 4, 5), r"^matmul: \(2, 3, 4\) @ \(3, 4, 5\): the batch axes"),
        ((5, 2, 1, 3), (4, 3, 2), r"^matmul: \(5, 2, 1, 3\) @ \(4, 3, 2\): the batch axes .* "
                                  r"\(5, 2\) and \(4,\) do not broadcast: axis -1 has sizes "
                                  r"2 vs 4"),
        ((), (3,), r"^matmul: \(\) @ \(3,\)"),
        ((3,), (), r"^matmul: \(3,\) @ \(\)"),
    ],
)
def test_matmul_shape_errors(shape_a, shape_b, expected):
    with pytest.raises(tg.ShapeError, match=expected):
        Tensor(np.ones(shape_a), requires_grad=True) @ Tensor(np.ones(shape_b))


@pytest.mark.parametrize(
    "shape_a, shape_b, expected",
    [
        ((4,), (3,), r"^dot: \(4,\) · \(3,\): inner dimensions differ \(4 != 3\)"),
        ((2, 4), (3, 2), r"^dot: \(2, 4\) · \(3, 2\): inner dimensions differ \(4 != 3\)"),
        ((2, 2, 2), (2, 2), r"^dot: \(2, 2, 2\) · \(2, 2\): dot takes 1-D or 2-D"),
        ((), (2,), r"^dot: \(\) · \(2,\)"),
    ],
)
def test_dot_shape_errors(shape_a, shape_b, expected):
    with pytest.raises(tg.ShapeError, match=expected):
        tg.dot(Tensor(np.ones(shape_a)), Tensor(np.ones(shape_b)))
    with pytest.raises(tg.ShapeError, match=expected):
        Tensor(np.ones(shape_a)).dot(np.ones(shape_b))


def test_matmul_error_replaces_numpy_error_in_the_traceback():
    with pytest.raises(tg.ShapeError) as info:
        Tensor(np.ones((2, 4))) @ Tensor(np.ones((3,)))
    shown = "".join(traceback.format_exception(info.value))
    assert "ValueError" not in shown and "During handling" not in shown
