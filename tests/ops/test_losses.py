"""Losses: squared_error, mse, binary_cross_entropy (+ with logits), cross_entropy and
softmax_cross_entropy with one-hot and class-index targets. Values against numpy formulas,
gradients against central differences, the edges (p exactly 0 or 1, logits ±1e4), errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.testing import elements, shapes, tensors

# Central differences (float64, eps 1e-6): with p in [0.05, 0.95] the worst third derivative,
# of ln p, is 2/p³ = 1.6e4, so truncation is eps²·1.6e4/6 ≈ 3e-9; rounding ~1e-16·|E|/eps
# < 1e-8. A scalar loss needs no random upstream gradient: its G is the seed itself.
TOL = {"atol": 1e-6, "rtol": 1e-5}
probabilities = elements(0.05, 0.95)
# Binary targets must lie in [0, 1], and a gradient check moves them by ±eps = 1e-6: those
# whose gradient is checked keep 1e-3 away from both ends.
targets01 = elements(0.0, 1.0, avoid=(0.0, 1.0))


def np_log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@st.composite
def same_shape_pair(draw, left=None, right=None):
    shape = draw(shapes())
    return draw(tensors(shape, elements=left)), draw(tensors(shape, elements=right))


@st.composite
def class_problems(draw, scores=None):
    """(scores (N, K), class indices (N,), one-hot (N, K)); N, K from 1 to 4."""
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    y = draw(tensors((n, k), elements=scores))
    idx = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    return y, idx, np.eye(k)[idx]


# ---------------------------------------------------------------------------
# regression losses
# ---------------------------------------------------------------------------


@given(same_shape_pair())
def test_squared_error(pair):
    y, t = pair
    E = F.squared_error(y, t)
    assert E.op == "squared_error" and E.shape == ()
    np.testing.assert_allclose(E.data, np.sum((y.data - t.data) ** 2), rtol=1e-14, atol=1e-14)
    assert gradcheck(F.squared_error, y, t, **TOL)


@given(same_shape_pair())
def test_mse(pair):
    y, t = pair
    E = F.mse(y, t)
    assert E.op == "mse" and E.shape == ()
    # a dot product (mse) and numpy's pairwise sum add the n squares in different orders;
    # each is within (n - 1)·2⁻⁵³ of the exact sum of these non-negative terms (Higham), or
    # 2⁻¹⁰⁷⁴ per rounding where the squares underflow (subnormal numbers)
    n = y.size
    np.testing.assert_allclose(E.data, np.mean((y.data - t.data) ** 2), rtol=2 * n * 2.0**-53,
                               atol=4 * n * 2.0**-1074)
    assert gradcheck(F.mse, y, t, **TOL)


def test_regression_losses_by_hand():
    y = Tensor([1.0, 3.0], requires_grad=True)
    F.squared_error(y, [0.0, 1.0]).backward()  # E = 1 + 4; dE/dy = 2(y - t)
    np.testing.assert_array_equal(y.grad, [2.0, 4.0])
    y.grad = None
    E = F.mse(y, 1.0)  # a number target means that value everywhere
    assert E.item() == 2.0
    E.backward()
    np.testing.assert_array_equal(y.grad, [0.0, 2.0])


# ---------------------------------------------------------------------------
# binary cross-entropy
# ---------------------------------------------------------------------------


def np_bce(p: np.ndarray, t: np.ndarray) -> float:
    return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))


@given(same_shape_pair(probabilities, targets01))
def test_binary_cross_entropy(pair):
    p, t = pair
    E = F.binary_cross_entropy(p, t)
    assert E.op == "binary_cross_entropy" and E.shape == ()
    np.testing.assert_allclose(E.data, np_bce(p.data, t.data), rtol=1e-13)
    assert gradcheck(F.binary_cross_entropy, p, t, **TOL)


@given(same_shape_pair(elements(-6.0, 6.0), targets01))
def test_binary_cross_entropy_with_logits(pair):
    z, t = pair
    E = F.binary_cross_entropy_with_logits(z, t)
    assert E.op == "binary_cross_entropy_with_logits" and E.shape == ()
    np.testing.assert_allclose(E.data, np_bce(1 / (1 + np.exp(-z.data)), t.data), rtol=1e-12)
    assert gradcheck(F.binary_cross_entropy_with_logits, z, t, **TOL)
    # the same function as binary_cross_entropy(sigmoid(z), t), gradients included
    z2 = Tensor(z.data, requires_grad=True)
    F.binary_cross_entropy(F.sigmoid(z2), t.data).backward()
    F.binary_cross_entropy_with_logits(zz := Tensor(z.data, requires_grad=True), t.data).backward()
    np.testing.assert_allclose(zz.grad, z2.grad, rtol=1e-9, atol=1e-15)


def test_binary_cross_entropy_finite_at_p_exactly_0_and_1():
    p = Tensor([0.0, 1.0, 0.0, 1.0, 0.5], requires_grad=True)
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    E = F.binary_cross_entropy(p, t)
    # ln 0 is read as -100 (as in PyTorch): the two wrong answers cost 100 each
    np.testing.assert_allclose(E.data, (100.0 + 100.0 + np.log(2.0)) / 5, rtol=1e-14)
    E.backward()
    assert np.isfinite(p.grad).all()
    # right answers: the slopes of -ln(1-p) at p = 0 and of -ln p at p = 1, 1 and -1 (/n);
    # wrong answers: the clamp holds, the loss is flat at 100 there, and its gradient says so
    np.testing.assert_array_equal(p.grad[:4], [0.2, -0.2, 0.0, 0.0])
    np.testing.assert_allclose(p.grad[4], (0.5 - 1.0) / (0.25 * 5), rtol=1e-14)


def test_binary_cross_entropy_with_logits_at_1e4():
    z = Tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0])
    E = F.binary_cross_entropy_with_logits(z, t)
    np.testing.assert_allclose(E.data, (0 + 0 + 1e4 + 1e4) / 4, rtol=1e-14)
    E.backward()
    np.testing.assert_allclose(z.grad, [0.0, 0.0, 0.25, -0.25], atol=1e-15)  # (σ(z) - t)/n


@pytest.mark.parametrize("bad", [1.5, -0.1, np.nan])
def test_binary_cross_entropy_rejects_non_probabilities(bad):
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: .*with_logits"):
        F.binary_cross_entropy(Tensor([0.5, bad]), np.array([1.0, 0.0]))


@pytest.mark.parametrize("loss", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
@pytest.mark.parametrize("bad, shown", [(5.0, "5"), (-1.0, "-1"), (1.5, "1.5"), (np.nan, "nan")])
def test_binary_targets_outside_0_1_are_refused(loss, bad, shown):
    # labels {0, 5} used to train to a negative loss
    t = np.array([0.0, 1.0, bad, 0.5])
    with pytest.raises(ValueError) as info:
        loss(Tensor(np.full(4, 0.5), requires_grad=True), t)
    message = str(info.value)
    assert message.startswith(f"{loss.__name__}: the targets t must lie in [0, 1], got {shown} ")
    assert "index (2,)" in message


def test_many_bad_targets_are_summarized():
    t = np.array([[2.0, 3.0], [4.0, 5.0]])
    with pytest.raises(ValueError, match=r"got 2, 3, 4 and 1 more \(the first at index \(0, 0\)\)"):
        F.binary_cross_entropy_with_logits(np.zeros((2, 2)), t)


# ---------------------------------------------------------------------------
# cross-entropy
# ---------------------------------------------------------------------------


@given(class_problems(probabilities))
def test_cross_entropy_with_one_hot_and_class_index_targets(problem):
    p, idx, onehot = problem
    n = p.shape[0]
    expected = -np.sum(onehot * np.log(p.data)) / n
    for t in (onehot, idx):
        E = F.cross_entropy(p, t)
        assert E.op == "cross_entropy" and E.shape == ()
        np.testing.assert_allclose(E.data, expected, rtol=1e-13)
        assert gradcheck(lambda q, t=t: F.cross_entropy(q, t), p, **TOL)
    # the one-hot target is a differentiable input too: dE/dt = -ln p / N
    assert gradcheck(F.cross_entropy, p, Tensor(onehot, requires_grad=True), **TOL)


@given(class_problems())
def test_softmax_cross_entropy_with_one_hot_and_class_index_targets(problem):
    z, idx, onehot = problem
    n = z.shape[0]
    expected = -np.sum(onehot * np_log_softmax(z.data)) / n
    grads = []
    for t in (onehot, idx):
        E = F.softmax_cross_entropy(z, t)
        assert E.op == "softmax_cross_entropy" and E.shape == ()
        np.testing.assert_allclose(E.data, expected, rtol=1e-12, atol=1e-15)
        assert gradcheck(lambda q, t=t: F.softmax_cross_entropy(q, t), z, **TOL)
        leaf = Tensor(z.data, requires_grad=True)
        F.softmax_cross_entropy(leaf, t).backward()
        grads.append(leaf.grad)
    np.testing.assert_array_equal(grads[0], grads[1])
    # the textbook form: (softmax(z) - t) / N
    np.testing.assert_allclose(grads[0], (np.exp(np_log_softmax(z.data)) - onehot) / n,
                               atol=1e-15)
    assert gradcheck(F.softmax_cross_entropy, z, Tensor(onehot, requires_grad=True), **TOL)


@given(tensors((3, 4)), tensors((3, 4), elements=targets01))
def test_softmax_cross_entropy_with_soft_targets_equals_the_composition(z, t):
    E = F.softmax_cross_entropy(z, t)
    composed = F.cross_entropy(F.softmax(z), t.data)
    np.testing.assert_allclose(E.data, composed.data, rtol=1e-11)
    assert gradcheck(F.softmax_cross_entropy, z, t, **TOL)


def test_cross_entropy_of_one_sample():
    p = Tensor([0.2, 0.8], requires_grad=True)
    E = F.cross_entropy(p, 1)
    np.testing.assert_allclose(E.data, -np.log(0.8), rtol=1e-15)
    E.backward()
    np.testing.assert_allclose(p.grad, [0.0, -1 / 0.8], rtol=1e-15)
    z = Tensor([1.0, 2.0, 0.5], requires_grad=True)
    F.softmax_cross_entropy(z, [0.0, 1.0, 0.0]).backward()
    np.testing.assert_allclose(z.grad, np.exp(np_log_softmax(z.data)) - [0, 1, 0], atol=1e-15)


def test_cross_entropy_finite_at_p_zero():
    p = Tensor([[0.0, 1.0], [1.0, 0.0]], requires_grad=True)
    E = F.cross_entropy(p, np.array([1, 1]))
    np.testing.assert_allclose(E.data, (0.0 + 100.0) / 2, rtol=1e-15)  # ln 0 read as -100
    E.backward()
    # -1/(N p) for the right answer; 0 where the clamp holds (the loss is flat at 100 there)
    np.testing.assert_array_equal(p.grad, [[0.0, -0.5], [0.0, 0.0]])


# ---------------------------------------------------------------------------
# the clamp of ln p: one clamp, in the value and in the gradient
# ---------------------------------------------------------------------------

# from 1e-300 (far below the floor e^-100 ≈ 3.7e-44) through the band 3.7e-44..1e-12 where
# a gradient floored at 1e-12 was 100x off or more, up to ordinary probabilities
TINY_P = [1e-300, 1e-60, 1e-45, 4e-44, 1e-40, 1e-30, 1e-20, 1e-13, 1e-11, 1e-6, 0.3]


def central_difference(loss, p: np.ndarray, i: tuple[int, ...]) -> float:
    """dE/dp[i] of the loss's own values, with a step 1e-4·p[i] so p stays positive. Its
    Taylor error relative to 1/p is (1e-4)²·|(ln p)‴ · p²/(ln p)'|/6 = 1e-8/3, and where the
    clamp holds the loss is flat on both sides, so the difference is exactly 0."""
    h = 1e-4 * p[i]
    up, down = p.copy(), p.copy()
    up[i] += h
    down[i] -= h
    return (loss(up).item() - loss(down).item()) / (2 * h)


@pytest.mark.parametrize("p0", TINY_P)
def test_cross_entropy_gradient_is_the_derivative_of_its_own_value(p0):
    def loss(p):
        return F.cross_entropy(p, np.array([0]))

    p = Tensor([[p0, 0.5]], requires_grad=True)
    loss(p).backward()
    expected = central_difference(loss, p.data, (0, 0))
    assert expected == 0.0 if p0 < np.exp(-100) else expected < 0
    np.testing.assert_allclose(p.grad[0, 0], expected, rtol=1e-6)


@pytest.mark.parametrize("p0", TINY_P)
def test_binary_cross_entropy_gradient_is_the_derivative_of_its_own_value(p0):
    # t = 1: only ln p is at stake (1 - p rounds to 1 for such p, so a step in p cannot
    # show the slope of ln(1 - p) in floats)
    def loss(p):
        return F.binary_cross_entropy(p, np.array([1.0, 0.5]))

    p = Tensor([p0, 0.5], requires_grad=True)
    loss(p).backward()
    np.testing.assert_allclose(p.grad[0], central_difference(loss, p.data, (0,)), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_log_floor_is_minus_100_in_both_dtypes(dtype):
    # PyTorch 2.13: binary_cross_entropy(p=0, t=1) is 100.0 in float32 and float64 (clamping
    # p at e^-100 instead, which float32 cannot hold, gave 99.97 in float32)
    p = Tensor([0.0, 1.0], dtype=dtype)
    E = F.binary_cross_entropy(p, np.array([1.0, 0.0], dtype=dtype))
    assert E.dtype == dtype and E.item() == 100.0
    assert F.cross_entropy(Tensor([[0.0, 1.0]], dtype=dtype), np.array([0])).item() == 100.0


# ---------------------------------------------------------------------------
# masked logits (-inf)
# ---------------------------------------------------------------------------


def test_softmax_cross_entropy_with_a_masked_logit():
    z = np.array([[1.0, -np.inf, 0.5], [0.2, 0.1, -np.inf]])
    idx = np.array([0, 1])
    finite = np.where(np.isinf(z), -np.inf, z)
    log_s = finite - np.log(np.exp(finite).sum(axis=1, keepdims=True))
    expected = -(log_s[0, 0] + log_s[1, 1]) / 2
    softmax_minus_t = (np.exp(log_s) - np.eye(3)[idx]) / 2
    for t in (idx, np.eye(3)[idx]):  # indices and the same classes one-hot: 0·ln 0 = 0
        x = Tensor(z, requires_grad=True)
        E = F.softmax_cross_entropy(x, t)
        np.testing.assert_allclose(E.item(), expected, rtol=1e-15)
        E.backward()
        np.testing.assert_allclose(x.grad, softmax_minus_t, rtol=1e-15, atol=1e-17)
        assert x.grad[0, 1] == 0.0 and x.grad[1, 2] == 0.0  # a masked class gets no push
    # the value PyTorch 2.13 gives for the first row, cross_entropy(z[:1], [0])
    first = F.softmax_cross_entropy(z[:1], idx[:1]).item()
    np.testing.assert_allclose(first, 0.4740769841801067, rtol=1e-15)


@pytest.mark.parametrize("z_dtype, t_dtype", [(np.float32, np.float32), (np.float32, np.float64),
                                              (np.float64, np.float32)])
def test_softmax_cross_entropy_gradient_has_the_formulas_dtype_and_values(z_dtype, t_dtype):
    # the rule is computed in place in one array: it must still give the dtype and the
    # values of G (softmax - t)/N written out, whatever the dtypes of z and t
    z = Tensor([[1.0, -2.0, 0.5], [0.3, 0.2, 0.1]], requires_grad=True, dtype=z_dtype)
    t = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]], dtype=t_dtype)
    F.softmax_cross_entropy(z, t).backward()
    s = np.exp(np_log_softmax(z.data))
    expected = (s * t.sum(axis=-1, keepdims=True) - t) / 2
    assert z.grad.dtype == z_dtype  # .grad keeps the tensor's dtype
    rtol = 1e-6 if z_dtype == np.float32 else 1e-15  # float32 keeps ~7 digits
    np.testing.assert_allclose(z.grad, expected, rtol=rtol)


def test_a_masked_target_class_costs_infinity():
    # the class the target names has probability 0: the loss is +inf (as in PyTorch)
    E = F.softmax_cross_entropy(np.array([[1.0, -np.inf]]), np.array([1]))
    assert E.item() == np.inf


def test_softmax_cross_entropy_at_1e4():
    z = Tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], requires_grad=True)
    E = F.softmax_cross_entropy(z, np.array([1, 0]))
    np.testing.assert_allclose(E.data, (2e4 + 2e4 + np.log(2)) / 2, rtol=1e-14)
    E.backward()
    np.testing.assert_allclose(z.grad, [[0.5, -0.5, 0.0], [-0.5, 0.25, 0.25]], atol=1e-15)


@pytest.mark.parametrize("bad", [[0, 3], [0.5, 1], [-1, 0]])
def test_bad_class_indices(bad):
    for loss in (F.cross_entropy, F.softmax_cross_entropy):
        with pytest.raises(ValueError, match=r"class indices must be whole numbers in 0\.\.2"):
            loss(Tensor(np.full((2, 3), 1 / 3)), np.array(bad))


def test_cross_entropy_rejects_non_probabilities():
    with pytest.raises(ValueError, match=r"^cross_entropy: .*softmax_cross_entropy"):
        F.cross_entropy(Tensor([[2.0, -1.0]]), np.array([0]))


# ---------------------------------------------------------------------------
# shape errors
# ---------------------------------------------------------------------------

SAME_SHAPE_LOSSES = [F.squared_error, F.mse, F.binary_cross_entropy,
                     F.binary_cross_entropy_with_logits]


@pytest.mark.parametrize("loss", SAME_SHAPE_LOSSES)
@pytest.mark.parametrize("y_shape, t_shape", [((3,), (2,)), ((4,), (4, 1)), ((4, 1), (4,)),
                                              ((2, 3), (3, 2))])
def test_same_shape_losses_reject_different_shapes(loss, y_shape, t_shape):
    # (4,) against (4, 1) would silently broadcast to (4, 4) in numpy: the classic bug
    with pytest.raises(tg.ShapeError) as info:
        loss(Tensor(np.full(y_shape, 0.5), requires_grad=True), np.full(t_shape, 0.5))
    message = str(info.value)
    assert message.startswith(f"{loss.__name__}: ")
    assert str(y_shape) in message and str(t_shape) in message


@pytest.mark.parametrize("loss", [F.cross_entropy, F.softmax_cross_entropy])
@pytest.mark.parametrize("t_shape", [(2,), (3, 3), (3, 2, 1), (2, 3)])
def test_class_losses_reject_wrong_target_shapes(loss, t_shape):
    with pytest.raises(tg.ShapeError) as info:
        loss(Tensor(np.full((3, 2), 0.5)), np.zeros(t_shape))
    message = str(info.value)
    assert message.startswith(f"{loss.__name__}: ")
    assert "(3, 2)" in message and str(t_shape) in message


@pytest.mark.parametrize("loss", SAME_SHAPE_LOSSES)
@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0)])
def test_same_shape_losses_refuse_an_empty_batch(loss, shape):
    with pytest.raises(tg.ShapeError, match=rf"^{loss.__name__}: the batch is empty"):
        loss(Tensor(np.zeros(shape), requires_grad=True), np.zeros(shape))


@pytest.mark.parametrize("loss", [F.cross_entropy, F.softmax_cross_entropy])
@pytest.mark.parametrize("scores, t", [
    (np.zeros((0, 3)), np.zeros(0)),  # no samples, class indices
    (np.zeros((0, 3)), np.zeros((0, 3))),  # no samples, one-hot
    (np.zeros((2, 0)), np.zeros(2)),  # no classes
    (np.zeros(0), np.zeros(())),  # one sample, no classes
])
def test_class_losses_refuse_an_empty_batch(loss, scores, t):
    with pytest.raises(tg.ShapeError, match=rf"^{loss.__name__}: scores of shape .* hold no"):
        loss(Tensor(scores, requires_grad=True), t)


@pytest.mark.parametrize("loss", [F.cross_entropy, F.softmax_cross_entropy])
def test_class_losses_reject_scores_of_three_axes(loss):
    with pytest.raises(tg.ShapeError, match=r"\(N, K\)"):
        loss(Tensor(np.full((2, 3, 4), 0.25)), np.zeros((2, 3), dtype=int))


def test_naive_bce_of_a_saturated_sigmoid_stays_finite():
    # σ(±1e4) is exactly 1 or 0, so the naive composition meets p = 0 and 1: its value is
    # the clamped 100 per wrong answer and its gradient vanishes (σ' = 0) but is never NaN;
    # the fused form keeps the true gradient (σ(z) - t)/n
    z = Tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0])
    E = F.binary_cross_entropy(F.sigmoid(z), t)
    np.testing.assert_allclose(E.data, (0 + 0 + 100 + 100) / 4, rtol=1e-14)
    E.backward()
    np.testing.assert_array_equal(z.grad, np.zeros(4))
