"""tg.Recorder: its numbers equal what the training loop computed, in fit and by hand."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor
from tinygrad_edu.recorder import Recorder, named_parameters

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.2], [0.3, 0.9]])
T = np.array([0.0, 1.0, 1.0, 1.0, 0.0, 1.0])


def test_hand_loop_numbers_are_exactly_the_loops():
    w = Tensor([0.3, -0.2], requires_grad=True, name="w")
    b = Tensor(0.1, requires_grad=True, name="b")
    rec = Recorder()
    lr = 0.5
    seen = []  # what the loop itself computed: (loss, w, grad w, grad b, new w)
    for _ in range(6):
        w.zero_grad()
        b.zero_grad()
        E = F.binary_cross_entropy(F.sigmoid(Tensor(X) @ w + b), T)
        E.backward()
        rec.on_backward({"w": w, "b": b}, E)
        before = (E.item(), w.data.copy(), w.grad.copy(), b.grad.copy())
        w.data -= lr * w.grad
        b.data -= lr * b.grad
        rec.on_step_end({"w": w, "b": b})
        seen.append((*before, w.data.copy()))
    assert len(rec) == 6 and rec.steps == list(range(6))
    for k, (loss, w_old, gw, gb, w_new) in enumerate(seen):
        assert rec.losses[k] == loss
        np.testing.assert_array_equal(rec.params["w"][k], w_old)
        np.testing.assert_array_equal(rec.grads["w"][k], gw)
        np.testing.assert_array_equal(rec.grads["b"][k], gb)
        np.testing.assert_array_equal(rec.updates["w"][k], w_new - w_old)
        assert rec.update_sizes["w"][k] == float(np.linalg.norm(w_new - w_old))
        assert rec.grad_norms["w"][k] == float(np.linalg.norm(gw))
    assert rec.series("params", "w").shape == (6, 2)
    assert rec.series("grad_norms", "b").shape == (6,)
    assert rec.names() == ["w", "b"]


@pytest.mark.parametrize("batch_size", [None, 2])
def test_as_a_fit_callback(batch_size):
    model = tg.nn.Neuron(2, "sigmoid", rng=0)
    lr = 0.5
    opt = tg.optim.SGD(model.parameters(), lr=lr)
    rec = Recorder()
    history = tg.fit(model, X, T, loss="binary_cross_entropy", optimizer=opt, epochs=4,
                     batch_size=batch_size, shuffle=False, progress=False, callbacks=[rec])
    per_epoch = 1 if batch_size is None else 3
    assert rec.steps == list(range(4 * per_epoch))
    assert rec.epoch_ends == [per_epoch * (e + 1) for e in range(4)]
    assert rec.epoch_losses == history.loss
    size = len(X) if batch_size is None else batch_size
    for k in range(len(rec)):
        w, b = rec.params["w"][k], rec.params["b"][k]
        rows = slice((k % per_epoch) * size, (k % per_epoch + 1) * size)
        # the gradient at the recorded values, by hand: dE/dz = (σ(z) − t)/n. Equal to the
        # recorded one only if fit zeroed the gradients before each backward.
        y = 1.0 / (1.0 + np.exp(-(X[rows] @ w + b)))
        np.testing.assert_allclose(rec.grads["w"][k], X[rows].T @ (y - T[rows]) / size,
                                   rtol=1e-9, atol=1e-12)
        # plain SGD moves by −lr·grad; new − old loses at most an ulp of the values (1e-15)
        np.testing.assert_allclose(rec.updates["w"][k], -lr * rec.grads["w"][k], rtol=0,
                                   atol=1e-14)
        # old + (new − old) gives new back up to one rounding of values of size ~1
        if k + 1 < len(rec):
            np.testing.assert_allclose(rec.params["w"][k + 1], w + rec.updates["w"][k],
                                       rtol=0, atol=1e-14)
    np.testing.assert_allclose(model.w.data, rec.params["w"][-1] + rec.updates["w"][-1],
                               rtol=0, atol=1e-14)
    if batch_size is None:
        # one batch per epoch: the epoch's loss is that step's loss (·n/n: two roundings)
        np.testing.assert_allclose(rec.losses, history.loss, rtol=1e-15)


def test_without_on_step_end_updates_are_measured_at_the_next_step():
    w = Tensor([1.0, 2.0], requires_grad=True)
    rec = Recorder()
    for _ in range(4):
        w.zero_grad()
        E = (w * w).sum()
        E.backward()
        rec.record([w], E.item())
        w.data = w.data * 0.5
    assert len(rec) == 4 and len(rec.updates["p0"]) == 3
    for k in range(3):
        np.testing.assert_array_equal(rec.updates["p0"][k],
                                      rec.params["p0"][k + 1] - rec.params["p0"][k])
    rec.on_step_end([w])  # closes the last one
    np.testing.assert_array_equal(rec.updates["p0"][3], w.data - rec.params["p0"][3])


def test_every_and_keep_values():
    w = Tensor([1.0], requires_grad=True, name="w")
    rec = Recorder(every=3, keep_values=False)
    for _ in range(7):
        w.zero_grad()
        (w * w).sum().backward()
        rec.on_backward(w, float((w.data ** 2).sum()))
        w.data = w.data - 0.1 * w.grad
        rec.on_step_end(w)
    assert rec.steps == [0, 3, 6] and len(rec.losses) == 3
    assert rec.params == {} and rec.grads == {} and rec.updates == {}
    assert len(rec.grad_norms["w"]) == 3 and len(rec.update_sizes["w"]) == 3
    with pytest.raises(KeyError, match="keep_values=False"):
        rec.series("params", "w")
    with pytest.raises(ValueError, match="every"):
        Recorder(every=0)


def test_values_are_copies_and_missing_grads_are_zero():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    unused = Tensor([5.0], requires_grad=True, name="unused")
    rec = Recorder()
    (w * 3.0).sum().backward()
    rec.on_backward([w, unused], Tensor(7.0))
    w.data[0] = -100.0
    w.grad[1] = -100.0
    np.testing.assert_array_equal(rec.params["w"][0], [1.0, 2.0])
    np.testing.assert_array_equal(rec.grads["w"][0], [3.0, 3.0])
    np.testing.assert_array_equal(rec.grads["unused"][0], [0.0])
    assert rec.losses == [7.0]
    assert "1 steps" in repr(rec) and "w (2,)" in repr(rec)


def test_parameter_naming():
    model = tg.nn.Linear(2, 3, rng=0)
    assert list(named_parameters(model)) == ["weight", "bias"]
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True, name="b")
    assert list(named_parameters([a, b])) == ["p0", "b"]
    same = [Tensor([1.0], name="w"), Tensor([2.0], name="w")]
    assert list(named_parameters(same)) == ["w", "w#1"]
    assert named_parameters({"x": a})["x"] is a
    with pytest.raises(TypeError, match="Module, a list or dict"):
        named_parameters(3.0)
    with pytest.raises(TypeError, match="'x' is a ndarray"):
        named_parameters({"x": np.ones(2)})


def test_series_errors_name_what_exists():
    rec = Recorder()
    w = Tensor([1.0], requires_grad=True, name="w")
    (w * w).sum().backward()
    rec.on_backward(w, 1.0)
    with pytest.raises(KeyError, match="parameters: w"):
        rec.series("grads", "v")
    with pytest.raises(ValueError, match="kind must be one of"):
        rec.series("gradients", "w")
    assert tg.Recorder is Recorder


def test_losses_and_norms_are_plain_floats_even_when_given_tensors():
    # a kept Tensor would keep its whole graph alive: the recorder keeps Python floats
    w = tg.Tensor([1.0, -1.0], requires_grad=True, name="w")
    rec = Recorder()
    for _ in range(2):
        w.zero_grad()
        E = (w * w).sum()
        E.backward()
        rec.on_backward([w], E)  # the loss given as a Tensor, as in a hand-written loop
        w.data -= 0.1 * w.grad
        rec.on_step_end([w])
    rec.on_epoch_end(0, type("H", (), {"loss": [np.float64(0.5)]})())
    kept = rec.losses + rec.grad_norms["w"] + rec.update_sizes["w"] + rec.epoch_losses
    assert len(kept) == 7 and all(type(v) is float for v in kept)
    with pytest.raises(TypeError, match="Recorder: loss must be one real number"):
        rec.on_backward([w], np.ones(2))
