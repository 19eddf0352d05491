"""The backward pass and its controls: accumulation, retain_graph, no_grad, detach,
retain_grad, hooks, anomaly mode, deep graphs and in-place changes (API.md §3, §4)."""

from __future__ import annotations

import gc
import sys
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck

# ---------------------------------------------------------------------------
# basics and accumulation
# ---------------------------------------------------------------------------


def test_backward_of_a_neuron_matches_the_hand_derivation():
    # E = (σ(w·x + b) - t)²;  dE/dw = 2(y - t) y(1 - y) x,  dE/db = 2(y - t) y(1 - y)
    x = np.array([1.0, 2.0, -1.0])
    w = Tensor([0.5, -0.25, 0.1], requires_grad=True)
    b = Tensor(0.1, requires_grad=True)
    y = F.sigmoid(w.dot(x) + b)
    E = F.squared_error(y, 0.0)
    E.backward()
    yv = 1.0 / (1.0 + np.exp(-(w.data @ x + 0.1)))
    delta = 2.0 * yv * yv * (1.0 - yv)
    assert E.item() == pytest.approx(yv**2, rel=1e-12)
    np.testing.assert_allclose(w.grad, delta * x, rtol=1e-12)
    np.testing.assert_allclose(b.grad, delta, rtol=1e-12)
    assert b.grad.shape == ()


def test_backward_on_a_leaf_gives_the_seed():
    x = Tensor(2.0, requires_grad=True)
    x.backward()
    np.testing.assert_array_equal(x.grad, 1.0)
    v = Tensor([1.0, 2.0], requires_grad=True)
    v.backward(np.array([3.0, -4.0]))
    np.testing.assert_array_equal(v.grad, [3.0, -4.0])


def test_backward_with_grad_on_a_non_scalar():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(np.array([0.5, -1.0, 2.0]))
    np.testing.assert_allclose(x.grad, 2 * x.data * np.array([0.5, -1.0, 2.0]))


def test_backward_accepts_a_list_as_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).backward([1.0, -1.0])
    np.testing.assert_array_equal(x.grad, [3.0, -3.0])


def test_a_single_element_tensor_of_any_shape_needs_no_grad():
    x = Tensor([[2.0]], requires_grad=True)
    (x * x).backward()
    np.testing.assert_array_equal(x.grad, [[4.0]])


def test_gradients_accumulate_across_backward_calls():
    x = Tensor([1.0, -2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 3.0 + 2.0 * x.data)


def test_a_tensor_added_to_itself():
    a = Tensor([1.0, 2.0], requires_grad=True)
    (a + a).backward(np.array([0.3, -0.7]))
    np.testing.assert_allclose(a.grad, 2 * np.array([0.3, -0.7]))


def test_a_tensor_multiplied_by_itself():
    a = Tensor([1.5, -2.0], requires_grad=True)
    (a * a).backward(np.array([0.3, -0.7]))
    np.testing.assert_allclose(a.grad, 2 * a.data * np.array([0.3, -0.7]))


def test_diamond_graph_sums_both_paths():
    a = Tensor([1.0, -2.0, 0.5], requires_grad=True)
    b = a * 2.0
    c = a.exp()
    d = (b * c).sum()  # d = Σ 2a e^a;  dd/da = 2e^a (1 + a)
    d.backward()
    np.testing.assert_allclose(a.grad, 2 * np.exp(a.data) * (1 + a.data), rtol=1e-12)


def test_deep_diamond_with_a_shared_intermediate():
    # h is used by three later ops; its gradient must arrive complete before it is passed on
    x = Tensor([0.3, -0.4], requires_grad=True)
    h = x.tanh()
    y = (h * h + h * 3.0 - h.exp()).sum()
    y.backward()
    hv = np.tanh(x.data)
    np.testing.assert_allclose(x.grad, (2 * hv + 3 - np.exp(hv)) * (1 - hv**2), rtol=1e-12)


def test_only_leaves_with_requires_grad_get_a_grad():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0])
    c = a * b
    c.sum().backward()
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    assert b.grad is None
    with pytest.warns(UserWarning, match=r"retain_grad"):  # and reading it says why
        assert c.grad is None  # a non-leaf keeps no grad unless retain_grad() was called


def test_zero_grad_on_a_tensor():
    a = Tensor([1.0], requires_grad=True)
    (a * 2.0).sum().backward()
    a.zero_grad()
    assert a.grad is None


@given(n=st.integers(1, 4), k=st.integers(1, 3), h=st.integers(1, 3), m=st.integers(1, 3),
       seed=st.integers(0, 2**32 - 1))
def test_two_layer_network_gradients(n, k, h, m, seed):
    # y = softmax_ce(tanh(x W1ᵀ + b1) W2ᵀ + b2): matmuls, bias broadcasts, an activation and
    # a fused loss in one graph, every parameter checked against central differences
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, k))
    labels = rng.integers(0, m, size=n)
    params = [Tensor(rng.standard_normal(s), requires_grad=True)
              for s in ((h, k), (h,), (m, h), (m,))]

    def loss(W1, b1, W2, b2):
        hidden = (Tensor(x) @ W1.T + b1).tanh()
        return F.softmax_cross_entropy(hidden @ W2.T + b2, labels)

    # float64, eps 1e-6 central differences: error ~1e-10 for this smooth O(1) function
    assert gradcheck(loss, *params, atol=1e-6, rtol=1e-5)


# ---------------------------------------------------------------------------
# retain_graph and freed graphs
# ---------------------------------------------------------------------------


def test_retain_graph_allows_a_second_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * 2 * x.data)


def test_second_backward_without_retain_graph_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    np.testing.assert_allclose(x.grad, 2 * x.data)  # the first result is untouched


def test_backward_through_a_freed_intermediate_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x.sigmoid()
    h.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        (h * 2.0).sum().backward()


def test_backward_errors():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\.sum\(\)") as info:
        (x * 2.0).backward()
    assert "(2,)" in str(info.value)
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2.0).sum().backward()
    with pytest.raises(tg.ShapeError, match=r"\(3,\).*\(2,\)"):
        (x * 2.0).backward(np.ones(3))
    with pytest.raises(tg.ShapeError):
        (x * 2.0).backward(np.ones((2, 1)))
    assert issubclass(tg.ShapeError, ValueError)
    assert x.grad is None  # failed calls left nothing behind


# ---------------------------------------------------------------------------
# no_grad, detach, retain_grad
# ---------------------------------------------------------------------------


def test_no_grad_records_nothing():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with tg.no_grad():
        y = (w * 2.0).sigmoid().sum()
    assert not y.requires_grad and y.is_leaf and y.op is None and y.parents == ()
    with pytest.raises(RuntimeError):
        y.backward()
    # recording is back on after the block
    z = (w * 2.0).sum()
    assert z.requires_grad and z.op == "sum"


def test_no_grad_nests_and_survives_exceptions():
    w = Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        with tg.no_grad():
            pass
        assert not (w * 1.0).requires_grad  # the inner block did not switch recording back on
    with pytest.raises(ZeroDivisionError), tg.no_grad():
        raise ZeroDivisionError
    assert (w * 1.0).requires_grad


def test_no_grad_as_a_decorator():
    w = Tensor([1.0, 2.0], requires_grad=True)

    @tg.no_grad()
    def predict(x: Tensor) -> Tensor:
        return x * w

    out = predict(Tensor([3.0, 4.0]))
    assert not out.requires_grad and out.op is None
    np.testing.assert_array_equal(out.data, [3.0, 8.0])
    assert (w * 1.0).requires_grad


def test_no_grad_parameter_update_pattern():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with tg.no_grad():
        w.data = w.data - 0.1 * w.grad
    assert w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.data, [0.8, 1.6])


def test_detach():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert d.is_leaf and not d.requires_grad and d.op is None
    np.testing.assert_array_equal(d.data, x.data)
    # gradient does not flow through the detached copy: d(x * stop(x))/dx = x
    (x * d).sum().backward()
    np.testing.assert_array_equal(x.grad, x.data)
    assert d.grad is None


def test_changing_a_detached_tensor_in_place_leaves_the_original_alone():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    d = x.detach()
    d.data -= 1.0
    d.data[0] = 100.0
    np.testing.assert_array_equal(x.data, [1.0, 2.0])
    y.backward()  # x's saved values are intact, so the gradient is 2x
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_detach_of_an_intermediate_cuts_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3.0).detach()
    y = (h * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad, 3.0 * x.data)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = Tensor([1.0, -2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    other = x * 2.0
    (h * h + other).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.data)
    np.testing.assert_allclose(x.grad, 3 * 2 * h.data + 2.0)
    with pytest.warns(UserWarning, match=r"retain_grad"):
        assert other.grad is None


def test_retain_grad_accumulates_with_retain_graph():
    x = Tensor([1.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    y = (h * h).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(h.grad, 2 * 2 * h.data)


def test_retain_grad_on_a_leaf_changes_nothing():
    x = Tensor([1.0], requires_grad=True)
    x.retain_grad()
    (x * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0])


# ---------------------------------------------------------------------------
# hooks
# ---------------------------------------------------------------------------


def test_hook_on_a_non_leaf_sees_the_total_gradient_once():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    seen: list[np.ndarray] = []
    h.register_hook(lambda g: seen.append(np.array(g)))
    (h + h * h).backward(np.array([1.0, -1.0]))
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], (1 + 2 * h.data) * np.array([1.0, -1.0]))


def test_hook_on_a_leaf_sees_the_total_gradient_once():
    x = Tensor([1.0, 2.0], requires_grad=True)
    seen: list[np.ndarray] = []
    x.register_hook(lambda g: seen.append(np.array(g)))
    (x * 3.0 + x * x).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 3.0 + 2 * x.data)
    np.testing.assert_allclose(x.grad, seen[0])


def test_hook_is_called_on_every_backward():
    x = Tensor([1.0], requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(float(g[0])))
    (x * 2.0).sum().backward()
    (x * 5.0).sum().backward()
    assert calls == [2.0, 5.0]


def test_hook_return_value_replaces_the_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h.register_hook(lambda g: g * 10.0)
    h.sum().backward()
    np.testing.assert_array_equal(x.grad, [20.0, 20.0])  # 10 * dh/dx

    leaf = Tensor([1.0, 2.0], requires_grad=True)
    leaf.register_hook(lambda g: np.clip(g, -1.0, 1.0))
    (leaf * 4.0).sum().backward()
    np.testing.assert_array_equal(leaf.grad, [1.0, 1.0])


def test_hooks_run_in_order_each_seeing_the_previous_result():
    x = Tensor([1.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: g + 1.0)
    x.register_hook(lambda g: seen.append(float(g[0])))
    (x * 2.0).sum().backward()
    assert seen == [3.0]
    np.testing.assert_array_equal(x.grad, [3.0])


def test_hook_remover():
    x = Tensor([1.0], requires_grad=True)
    calls = []
    remove = x.register_hook(lambda g: calls.append(1))
    (x * 2.0).sum().backward()
    remove()
    (x * 2.0).sum().backward()
    assert calls == [1]
    np.testing.assert_array_equal(x.grad, [4.0])


def test_hook_returning_a_wrong_shape_is_a_shape_error():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: np.ones(3))
    with pytest.raises(tg.ShapeError, match=r"\(3,\)"):
        (x * 2.0).sum().backward()


# ---------------------------------------------------------------------------
# anomaly mode
# ---------------------------------------------------------------------------


def test_detect_anomaly_names_the_forward_op():
    x = Tensor([0.0, 1.0], requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(FloatingPointError, match="forward of 'log'") as info:
        x.log()
    assert "-inf" in str(info.value)
    with tg.detect_anomaly(), pytest.raises(FloatingPointError, match=r"'div'.*nan"):
        Tensor([0.0]) / Tensor([0.0])


def test_detect_anomaly_names_the_backward_op():
    x = Tensor([0.0, 4.0], requires_grad=True)
    with tg.detect_anomaly():
        y = x.sqrt().sum()  # sqrt(0) = 0 is fine forward; its derivative 1/(2·0) is not
        with pytest.raises(FloatingPointError, match="backward of 'sqrt'"):
            y.backward()


def test_detect_anomaly_as_decorator_and_switches_off_after():
    @tg.detect_anomaly()
    def bad(t: Tensor) -> Tensor:
        return t.log()

    with pytest.raises(FloatingPointError, match="log"):
        bad(Tensor([-1.0]))
    # outside anomaly mode a finite computation is unaffected and records normally
    y = Tensor([2.0], requires_grad=True).log()
    assert y.op == "log" and np.isfinite(y.data).all()


def test_detect_anomaly_lets_finite_computations_through():
    x = Tensor([0.5, 2.0], requires_grad=True)
    with tg.detect_anomaly():
        y = (x.log() * x.sigmoid()).sum()
        y.backward()
    np.testing.assert_allclose(
        x.grad, np.log(x.data) * (1 / (1 + np.exp(-x.data)))
        * (1 - 1 / (1 + np.exp(-x.data))) + (1 / x.data) / (1 + np.exp(-x.data)),
        rtol=1e-12,
    )


# ---------------------------------------------------------------------------
# deep graphs
# ---------------------------------------------------------------------------

CHAIN = 100_000


@pytest.fixture
def default_recursion_limit():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default; the engine must not recurse
    yield
    sys.setrecursionlimit(old)


def test_chain_of_100k_ops_backpropagates(default_recursion_limit):
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(CHAIN):
        y = y * 1.0001
    y.backward()
    # d(x·c^n)/dx = c^n; each of the n products rounds once: relative error <= n·2^-53 ≈ 1e-11
    np.testing.assert_allclose(x.grad, 1.0001**CHAIN, rtol=1e-9)
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None  # the whole chain was freed, without a crash


def test_chain_of_100k_tanh_has_the_right_gradient(default_recursion_limit):
    x = Tensor(0.9, requires_grad=True)
    y = x
    for _ in range(CHAIN):
        y = y.tanh()
    y.backward()
    value, grad = 0.9, 1.0  # the chain rule, written out: d tanh(u) = (1 - tanh(u)²) du
    for _ in range(CHAIN):
        value = np.tanh(value)
        grad *= 1.0 - value * value
    assert y.item() == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(x.grad, grad, rtol=1e-9)


def test_freeing_an_unused_100k_chain_does_not_crash(default_recursion_limit):
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(CHAIN):
        y = y + 1.0
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None


# ---------------------------------------------------------------------------
# in-place changes of .data
# ---------------------------------------------------------------------------


def test_changing_data_between_forward_and_backward_raises():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    loss = (w * w).sum()
    w.data -= 0.1  # the saved w used by mul's rule is now stale
    with pytest.raises(RuntimeError, match=r"\.data") as info:
        loss.backward()
    assert "'w'" in str(info.value) and "mul" in str(info.value)

    v = Tensor([1.0, 2.0], requires_grad=True)
    loss = v.sigmoid().sum() + (v * 3.0).sum()
    v.data = np.array([5.0, 6.0])
    with pytest.raises(RuntimeError, match="changed"):
        loss.backward()


def test_sgd_update_after_backward_keeps_working():
    w = Tensor([1.0, -2.0], requires_grad=True)
    x = np.array([0.5, 1.5])
    lr = 0.1
    w_np = w.data.copy()
    for _ in range(5):
        w.grad = None
        loss = ((w * x).sum() - 1.0) ** 2
        loss.backward()
        w.data -= lr * w.grad
        w_np -= lr * 2 * ((w_np * x).sum() - 1.0) * x
    np.testing.assert_allclose(w.data, w_np, rtol=1e-12)
    assert w.is_leaf and w.requires_grad


def test_hooks_on_scalars_receive_0d_arrays():
    # numpy arithmetic on 0-d arrays returns numpy scalars; hooks must still get arrays
    x = Tensor(2.0, requires_grad=True)
    h = x * x
    seen = []
    h.register_hook(lambda g: seen.append(g))
    x.register_hook(lambda g: seen.append(g))
    (h * 3.0).backward()
    assert [type(g) for g in seen] == [np.ndarray, np.ndarray]
    assert [g.shape for g in seen] == [(), ()]
    assert [float(g) for g in seen] == [3.0, 12.0]


# ---------------------------------------------------------------------------
# each hook gets its own writable array; anomaly mode names the true origin
# ---------------------------------------------------------------------------


def test_an_in_place_hook_on_one_operand_leaves_the_other_alone():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)

    def times_ten(g):
        g *= 10.0  # in place, returns None

    a.register_hook(times_ten)
    c = np.array([0.5, 2.0])
    ((a + b) * c).sum().backward()  # add sends one gradient to both operands
    np.testing.assert_array_equal(a.grad, 10.0 * c)
    np.testing.assert_array_equal(b.grad, c)


@pytest.mark.parametrize("where", ["leaf", "non-leaf"])
def test_an_in_place_hook_on_a_gradient_from_sum_works(where):
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x if where == "leaf" else x * 2.0
    y.register_hook(lambda g: g.__iadd__(1.0))
    y.sum().backward()  # sum's gradient is a broadcast, read-only, of the upstream 1
    np.testing.assert_array_equal(x.grad, [2.0] * 3 if where == "leaf" else [4.0] * 3)


def test_detect_anomaly_names_the_hook_that_made_a_nan():
    def poison(g):
        return g * np.nan

    with tg.detect_anomaly():
        w = Tensor([1.0, 2.0], requires_grad=True)
        z = w * 3.0
        z.register_hook(poison)
        with pytest.raises(FloatingPointError, match="hook 'poison'") as info:
            (z * 2.0).sum().backward()
    assert "mul" not in str(info.value)


def test_detect_anomaly_names_the_seed_gradient_that_holds_a_nan():
    with tg.detect_anomaly():
        w = Tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(FloatingPointError, match="grad given to backward") as info:
            (w * 2.0).backward(np.array([np.nan, 1.0]))
    assert "mul" not in str(info.value)


@pytest.mark.parametrize("where", ["leaf", "non-leaf"])
def test_detect_anomaly_names_a_hook_that_writes_a_nan_in_place(where):
    def poison(g):
        g[0] = np.nan

    with tg.detect_anomaly():
        w = Tensor([1.0, 2.0], requires_grad=True)
        z = w * 3.0
        (w if where == "leaf" else z).register_hook(poison)
        with pytest.raises(FloatingPointError, match="hook 'poison'"):
            (z * 2.0).sum().backward()


# ---------------------------------------------------------------------------
# what backward frees, and what it keeps
# ---------------------------------------------------------------------------


class _Saves(tg.Function):
    """out = 3 x;  dL/dx = 3 G. Saves a large array, to see it freed."""

    def forward(self, x, *, scale):
        self.saved = np.full(10_000, scale)
        return x * scale

    def vjp(self, g):
        return (g * self.saved[0],)


def test_backward_frees_saved_arrays_but_keeps_what_pictures_need():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="x")
    y = _Saves.apply(x, scale=3.0)
    s = y.sum(axis=1, keepdims=True)
    loss = (s * s).mean()
    saved = weakref.ref(y._fn.saved)
    before = tg.viz.to_dot(loss)
    loss.backward()
    gc.collect()
    assert saved() is None  # the saved array is gone
    assert y._fn.freed and s._fn.freed
    # what apply recorded stays, for labels and for gradcheck.locate
    assert dict(s._fn.params) == {"axis": 1, "keepdims": True}
    assert dict(y._fn.params) == {"scale": 3.0}
    assert s._fn.needs_input_grad == (True,) and y._fn.needs_input_grad == (True,)
    x.grad = None
    assert tg.viz.to_dot(loss) == before  # the same picture as before backward
    with pytest.raises(RuntimeError, match="retain_graph"):
        loss.backward()


def test_on_step_receives_what_each_vjp_returned():
    from tinygrad_edu import engine

    seen = []
    a = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    bias = Tensor([0.5, -0.5], requires_grad=True)
    out = ((a + bias) * 2.0).sum()
    engine.backward(out, np.array(1.0),
                    on_step=lambda node, g_out, grads_in: seen.append((node.op, g_out, grads_in)))
    assert [op for op, _, _ in seen] == ["sum", "mul", "add"]
    _, g_out, grads_in = seen[2]
    np.testing.assert_array_equal(g_out, np.full((2, 2), 2.0))
    # add's raw vjp: the output's shape for both inputs, before the engine sums the bias's
    assert [g.shape for g in grads_in] == [(2, 2), (2, 2)]
    assert seen[1][2][1] is None  # mul's constant operand needs no gradient
    np.testing.assert_array_equal(bias.grad, [4.0, 4.0])
