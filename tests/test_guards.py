"""Guards against the classic silent mistakes (API.md §3, §4): values changed in place
between forward and backward, a loss that is not a scalar; and the legitimate update
pattern `w.data -= lr * w.grad` after backward, which must never trigger them."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor

FIX = "with tg.no_grad(): w -= lr * w.grad"


def forward(w: Tensor) -> Tensor:
    x = np.array([0.5, -1.0, 2.0])
    return F.squared_error(F.sigmoid(w.dot(x)), 1.0)


def fresh() -> Tensor:
    return Tensor([0.1, 0.2, 0.3], requires_grad=True, name="w")


# ---------------------------------------------------------------------------
# in place, through the .data setter: caught always
# ---------------------------------------------------------------------------

SETTER_WRITES = {
    "w.data -= x": lambda w: setattr(w, "data", w.data - 0.5),
    "w.data += x (in place, then the setter)": lambda w: w.__setattr__("data", _iadd(w.data)),
    "w.data = new array": lambda w: setattr(w, "data", np.zeros(3)),
    "w.data = list": lambda w: setattr(w, "data", [1.0, 2.0, 3.0]),
}


def _iadd(a: np.ndarray) -> np.ndarray:
    a += 1.0  # what `w.data += 1.0` does: the array itself changes, then the setter runs
    return a


@pytest.mark.parametrize("write", list(SETTER_WRITES))
def test_setter_writes_between_forward_and_backward_raise(write):
    w = fresh()
    E = forward(w)
    SETTER_WRITES[write](w)
    with pytest.raises(RuntimeError) as info:
        E.backward()
    msg = str(info.value)
    assert "backward of 'dot'" in msg and "'w'" in msg and "(3,)" in msg
    assert "changed in place after the forward pass" in msg and FIX in msg


def test_augmented_assignment_on_data_raises():
    w = fresh()
    E = forward(w)
    w.data -= 0.1
    with pytest.raises(RuntimeError, match="backward of 'dot'"):
        E.backward()
    w = fresh()
    E = forward(w)
    w.data *= 2.0
    with pytest.raises(RuntimeError, match="'w'"):
        E.backward()


def test_an_intermediate_changed_through_the_setter_is_caught():
    w = fresh()
    h = w * 2.0
    E = (h * h).sum()
    h.data = h.data + 1.0
    with pytest.raises(RuntimeError, match="backward of 'mul': input 0"):
        E.backward()


# ---------------------------------------------------------------------------
# in place, through the array itself: caught under detect_anomaly
# ---------------------------------------------------------------------------


def _through_alias(w: Tensor) -> None:
    a = w.data
    a -= 1.0


ARRAY_WRITES = {
    "w.data[0] = 1": lambda w: w.data.__setitem__(0, 1.0),
    "w.data[:] = 0": lambda w: w.data.__setitem__(slice(None), 0.0),
    "a = w.data; a -= 1": _through_alias,
    "np.add(w.data, 1, out=w.data)": lambda w: np.add(w.data, 1.0, out=w.data),
    "w.data.fill(0)": lambda w: w.data.fill(0.0),
}


@pytest.mark.parametrize("write", list(ARRAY_WRITES))
def test_writes_through_the_array_are_caught_in_debug_mode(write):
    w = fresh()
    with tg.detect_anomaly():
        E = forward(w)
        ARRAY_WRITES[write](w)
        with pytest.raises(RuntimeError) as info:
            E.backward()
    msg = str(info.value)
    assert "backward of 'dot': input 0 'w' (shape (3,))" in msg
    assert "through the array itself" in msg and "recompute the forward pass" in msg
    assert w.grad is None  # nothing was accumulated from the stale graph


def test_a_changed_output_is_caught_in_debug_mode():
    w = fresh()
    with tg.detect_anomaly():
        E = (w * w).sum()
        E.data[()] = 5.0  # the loss itself: no later op saved it, only its own op
        with pytest.raises(RuntimeError, match="backward of 'sum': its output"):
            E.backward()


def test_a_view_changed_through_its_base_is_caught_in_debug_mode():
    base = np.arange(6.0).reshape(2, 3)
    w = Tensor(base, requires_grad=True, name="w")
    with tg.detect_anomaly():
        t = w.T  # transpose: an array that views w's memory
        E = (t * t).sum()
        w.data[0, 0] = 100.0
        with pytest.raises(RuntimeError, match=r"backward of 'mul': input 0 .*through the array"):
            E.backward()


def test_debug_mode_needs_the_forward_inside_the_block():
    # a forward outside detect_anomaly kept no checksums: nothing to compare, no false alarm
    w = fresh()
    E = forward(w)
    with tg.detect_anomaly():
        E.backward()
    assert w.grad is not None and np.isfinite(w.grad).all()


# ---------------------------------------------------------------------------
# the legitimate patterns never trigger a guard
# ---------------------------------------------------------------------------


def _by_hand(w: np.ndarray) -> tuple[float, np.ndarray]:
    x = np.array([0.5, -1.0, 2.0])
    y = 1.0 / (1.0 + np.exp(-(w @ x)))
    return (y - 1.0) ** 2, 2.0 * (y - 1.0) * y * (1.0 - y) * x


UPDATES = {
    "w.data -= lr * w.grad": lambda w, lr: w.__setattr__("data", _isub(w.data, lr * w.grad)),
    "w.data = w.data - lr * w.grad": lambda w, lr: setattr(w, "data", w.data - lr * w.grad),
    "w.data[:] -= lr * w.grad": lambda w, lr: w.data.__isub__(lr * w.grad),
    "np.subtract(..., out=w.data)": lambda w, lr: np.subtract(w.data, lr * w.grad, out=w.data),
}


def _isub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a -= b
    return a


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("update", list(UPDATES))
def test_updates_after_backward_keep_working(update, debug):
    w = fresh()
    w_np = w.data.copy()
    lr = 0.5
    for _ in range(5):
        w.zero_grad()
        if debug:
            with tg.detect_anomaly():
                E = forward(w)
                E.backward()
        else:
            E = forward(w)
            E.backward()
        UPDATES[update](w, lr)
        e_np, g_np = _by_hand(w_np)
        assert E.item() == pytest.approx(e_np, rel=1e-12)
        w_np = w_np - lr * g_np
    np.testing.assert_allclose(w.data, w_np, rtol=1e-12)


def test_optimizer_steps_and_evaluation_passes_do_not_trigger():
    model = tg.nn.Neuron(3, "sigmoid", rng=0)
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    X = np.random.default_rng(1).standard_normal((8, 3))
    t = (X[:, 0] > 0).astype(float)
    with tg.detect_anomaly():
        for _ in range(5):
            opt.zero_grad()
            E = F.binary_cross_entropy(model(X), t)
            model(X)  # an evaluation pass whose graph is never used: harmless
            E.backward()
            opt.step()
    assert np.isfinite(model.w.data).all()


def test_changes_before_the_forward_or_to_other_tensors_are_not_stale():
    # values changed before an op ran were saved as changed; a change to a tensor the graph
    # does not use stales nothing: neither may stop backward
    w, other = fresh(), fresh()
    w.data -= 0.5
    E = forward(w)
    other.data -= 1.0  # after the forward, but not part of E's graph
    E.backward()
    expected = fresh()
    expected.data -= 0.5
    forward(expected).backward()
    np.testing.assert_array_equal(w.grad, expected.grad)


def test_a_change_after_the_forward_is_stale_after_other_changes_too():
    # the check is per tensor: a later change elsewhere does not hide this one
    w, other = fresh(), fresh()
    E = forward(w)
    w.data -= 0.5
    other.data -= 1.0
    with pytest.raises(RuntimeError, match=r"input 0 'w' .* was changed in place"):
        E.backward()


def test_retained_graph_after_an_update_is_stale():
    # backward twice through one graph with an update in between is a real mistake
    w = fresh()
    E = forward(w)
    E.backward(retain_graph=True)
    w.data -= 0.1 * w.grad
    with pytest.raises(RuntimeError, match="changed in place"):
        E.backward()


# ---------------------------------------------------------------------------
# losses that are not scalars, and the forgotten zero_grad
# ---------------------------------------------------------------------------


def test_backward_of_a_non_scalar_says_how_to_fix_it():
    w = fresh()
    y = w * 2.0  # per-element "losses", not reduced
    with pytest.raises(RuntimeError) as info:
        y.backward()
    msg = str(info.value)
    assert "shape (3,)" in msg and ".sum()" in msg and ".mean()" in msg and "grad=" in msg
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*\.sum\(\)"):
        tg.trace_backward(y)
    y.backward(grad=np.ones(3))  # with an explicit upstream gradient it is fine
    np.testing.assert_allclose(w.grad, [2.0, 2.0, 2.0])


LOSSES = {
    "squared_error": (F.squared_error, lambda r: r.standard_normal((4, 3))),
    "mse": (F.mse, lambda r: r.standard_normal((4, 3))),
    "binary_cross_entropy": (lambda y, t: F.binary_cross_entropy(F.sigmoid(y), t),
                             lambda r: (r.random((4, 3)) > 0.5).astype(float)),
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits,
                                         lambda r: (r.random((4, 3)) > 0.5).astype(float)),
    "cross_entropy": (lambda y, t: F.cross_entropy(F.softmax(y), t),
                      lambda r: np.eye(3)[r.integers(0, 3, 4)]),
    "softmax_cross_entropy": (F.softmax_cross_entropy, lambda r: r.integers(0, 3, 4)),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_is_a_scalar_so_backward_needs_no_grad(name):
    fn, target = LOSSES[name]
    rng = np.random.default_rng(0)
    y = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    E = fn(y, target(rng))
    assert E.shape == () and E.size == 1
    E.backward()
    assert y.grad.shape == (4, 3) and np.isfinite(y.grad).all() and np.abs(y.grad).sum() > 0


def test_a_forgotten_zero_grad_accumulates_and_is_not_an_error():
    w = fresh()
    forward(w).backward()
    once = w.grad.copy()
    forward(w).backward()  # no zero_grad: the second gradient is added, as documented
    np.testing.assert_allclose(w.grad, 2.0 * once, rtol=1e-12)
    w.zero_grad()
    forward(w).backward()
    np.testing.assert_allclose(w.grad, once, rtol=1e-12)
