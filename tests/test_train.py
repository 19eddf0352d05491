"""Tests for tinygrad_edu.train: fit (the loop, history, seeds, callbacks, progress) and
accuracy."""

from __future__ import annotations

import doctest
import re
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import metrics, progress, train
from tinygrad_edu.train import binary_accuracy, fit, multiclass_accuracy


def _problem(seed=0, n=50):
    X, t = tg.datasets.linearly_separable(n, margin=0.2, rng=seed)
    model = tg.nn.Neuron(2, "sigmoid", rng=seed)
    return X, t, model


def test_docstring_examples_run():
    result = doctest.testmod(train)
    assert result.attempted >= 4 and result.failed == 0


def test_tg_fit_is_the_helper():
    assert tg.fit is fit


def test_fit_equals_the_hand_written_loop():
    X, t, model = _problem()
    twin = tg.nn.Neuron(2, "sigmoid", rng=0)
    h = fit(model, X, t, loss=F.binary_cross_entropy, optimizer=tg.optim.SGD(model, lr=0.5),
            epochs=3, batch_size=16, rng=5, progress=False)
    # the same loop written out: predict -> compare -> adjust -> repeat
    opt, gen, losses = tg.optim.SGD(twin, lr=0.5), np.random.default_rng(5), []
    for _ in range(3):
        order, total = gen.permutation(len(X)), 0.0
        for s in range(0, len(X), 16):
            idx = order[s:s + 16]
            E = F.binary_cross_entropy(twin(X[idx]), t[idx])
            opt.zero_grad()
            E.backward()
            opt.step()
            total += E.item() * len(idx)
        losses.append(total / len(X))
    assert np.array_equal(model.w.data, twin.w.data) and np.array_equal(model.b.data, twin.b.data)
    assert h.loss == losses and h.epochs == 3 and len(h.accuracy) == 3


def test_same_seed_same_run_different_seed_different():
    runs = []
    for seed in (1, 1, 2):
        X, t, model = _problem()
        h = fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=0.3),
                epochs=4, batch_size=8, rng=seed, progress=False)
        runs.append((h.loss, model.w.data.copy()))
    assert runs[0][0] == runs[1][0] and np.array_equal(runs[0][1], runs[1][1])
    assert runs[0][0] != runs[2][0]


def test_fit_learns_and_history_shows_it():
    X, t, model = _problem(3, 80)
    h = fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=1.0),
            epochs=60, rng=0, progress=False)
    assert h.loss[-1] < 0.5 * h.loss[0]
    assert h.accuracy[-1] == 1.0  # the data is linearly separable
    assert str(h).startswith("History(60 epochs: loss")


def test_no_shuffle_full_batch_is_plain_gradient_descent():
    X, t = np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 6.0])
    layer = tg.nn.Linear(1, 1, rng=0)
    w0, b0 = layer.weight.data.copy(), layer.bias.data.copy()
    fit(layer, X, t.reshape(3, 1), loss="mse", optimizer=tg.optim.SGD(layer, lr=0.1), epochs=1,
        shuffle=False, progress=False)
    r = X @ w0.T + b0 - t.reshape(3, 1)  # residuals; mse gradient = 2/N Σ r x, 2/N Σ r
    np.testing.assert_allclose(layer.weight.data, w0 - 0.1 * 2 * (r * X).mean(), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.data, b0 - 0.1 * 2 * r.mean(), rtol=1e-12)


class Spy:
    """Records the callback protocol: what it was called with and what it saw."""

    def __init__(self) -> None:
        self.events: list[tuple] = []

    def on_backward(self, model, loss_value, step):
        self.events.append(("backward", step, loss_value, model.w.grad.copy(),
                            model.w.data.copy()))

    def on_step_end(self, model, loss_value, step):
        self.events.append(("step_end", step, loss_value, None, model.w.data.copy()))

    def on_epoch_end(self, epoch, history):
        self.events.append(("epoch_end", epoch, len(history.loss), None, None))


class OnlyEpochs:
    def __init__(self) -> None:
        self.epochs: list[int] = []

    def on_epoch_end(self, epoch, history):
        self.epochs.append(epoch)


def test_callback_protocol():
    X, t, model = _problem(n=10)
    spy, partial = Spy(), OnlyEpochs()
    fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=0.5),
        epochs=2, batch_size=4, rng=0, callbacks=[spy, partial], progress=False)
    kinds = [e[0] for e in spy.events]
    per_epoch = ["backward", "step_end"] * 3 + ["epoch_end"]  # 10 rows in batches of 4
    assert kinds == per_epoch * 2
    steps = [e[1] for e in spy.events if e[0] == "backward"]
    assert steps == [0, 1, 2, 3, 4, 5]  # counted over all epochs
    assert [e[1:3] for e in spy.events if e[0] == "epoch_end"] == [(0, 1), (1, 2)]
    backwards = [e for e in spy.events if e[0] == "backward"]
    ends = [e for e in spy.events if e[0] == "step_end"]
    for b, s in zip(backwards, ends, strict=True):
        assert isinstance(b[2], float) and b[2] == s[2] and b[1] == s[1]
        # at on_backward the gradient is there and not applied; at on_step_end it is
        np.testing.assert_allclose(s[4], b[4] - 0.5 * b[3], rtol=1e-12)
    assert partial.epochs == [0, 1]


def test_recorder_from_the_package_works_as_callback():
    X, t, model = _problem(n=12)
    rec = tg.Recorder()
    h = fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=0.5),
            epochs=2, batch_size=6, rng=0, callbacks=[rec], progress=False)
    assert rec.steps == [0, 1, 2, 3] and rec.epoch_ends == [2, 4]
    assert rec.epoch_losses == h.loss
    # the update it measured is the SGD step: -lr times the gradient it saw
    np.testing.assert_allclose(rec.updates["w"][0], -0.5 * rec.grads["w"][0], rtol=1e-12)


@pytest.mark.parametrize("loss, expected", [
    ("binary_cross_entropy", binary_accuracy),
    ("softmax_cross_entropy", multiclass_accuracy),
    ("cross_entropy", multiclass_accuracy),
    ("mse", None),
    ("squared_error", None),
])
def test_auto_accuracy_follows_the_loss(loss, expected):
    fn = metrics.accuracy_for(train.LOSSES[loss])
    assert fn is expected


def test_accuracy_for_logits_thresholds_at_zero():
    fn = metrics.accuracy_for(F.binary_cross_entropy_with_logits)
    assert fn is not None
    assert fn(np.array([0.1, -0.1, 3.0]), np.array([1.0, 0.0, 0.0])) == pytest.approx(2 / 3)


def test_multiclass_fit_and_custom_or_no_accuracy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    labels = X[:, :3].argmax(axis=1).astype(float)
    layer = tg.nn.Linear(4, 3, rng=0)
    h = fit(layer, X, labels, loss="softmax_cross_entropy", optimizer=tg.optim.Adam(layer, lr=0.1),
            epochs=40, rng=0, progress=False)
    assert h.accuracy[-1] >= 0.9
    h2 = fit(layer, X, labels, loss="softmax_cross_entropy", optimizer=tg.optim.SGD(layer, lr=0.0),
             epochs=1, accuracy=lambda y, t: 0.25, progress=False)
    assert h2.accuracy == [0.25]
    h3 = fit(layer, X, labels, loss="softmax_cross_entropy", optimizer=tg.optim.SGD(layer, lr=0.0),
             epochs=1, accuracy=None, progress=False)
    assert h3.accuracy == [] and len(h3.loss) == 1


def test_accuracy_helpers():
    assert binary_accuracy([0.5, 0.49, 0.9], [1, 0, 0]) == pytest.approx(2 / 3)
    one_hot = np.eye(3)[[2, 0]]
    assert multiclass_accuracy(np.array([[0, 1, 5], [9, 0, 0]]), one_hot) == 1.0
    assert multiclass_accuracy(np.array([[0, 1, 5], [9, 0, 0]]), np.array([2, 1])) == 0.5


def test_exploding_loss_is_a_clear_error():
    X = np.array([[1e200], [2e200]])
    layer = tg.nn.Linear(1, 1, rng=0)
    with (pytest.raises(FloatingPointError, match="loss became inf at epoch 0, step 0"),
          np.errstate(over="ignore", invalid="ignore")):  # the overflow is the point here
        fit(layer, X, np.ones((2, 1)), loss="mse", optimizer=tg.optim.SGD(layer, lr=1.0),
            epochs=2, progress=False)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, ValueError, "epochs must be a positive int"),
    ({"epochs": 1, "batch_size": 0}, ValueError, "batch_size"),
    ({"epochs": 1, "loss": "hinge"}, ValueError, "unknown loss 'hinge'; known: squared_error"),
    ({"epochs": 1, "accuracy": "top5"}, TypeError, "accuracy must be"),
])
def test_bad_arguments(kwargs, error, message):
    X, t, model = _problem(n=6)
    args = {"loss": "binary_cross_entropy", "optimizer": tg.optim.SGD(model, lr=0.1),
            "progress": False, **kwargs}
    with pytest.raises(error, match=message):
        fit(model, X, t, **args)
    with pytest.raises(ValueError, match="X has 6 rows but t has 5"):
        fit(model, X, t[:5], loss="mse", optimizer=tg.optim.SGD(model, lr=0.1), epochs=1)


def test_progress_text_false_and_auto(capsys):
    X, t, model = _problem(n=8)

    def run(progress, epochs=20):
        fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=0.1),
            epochs=epochs, rng=0, progress=progress)
        return capsys.readouterr().out

    lines = run("text").splitlines()
    # the first epoch, then every second one (20 // 10): 1, 2, 4, ..., 20
    assert [line.split()[1] for line in lines] == ["1/20"] + [f"{k}/20" for k in range(2, 21, 2)]
    assert lines[-1].startswith("epoch 20/20  loss ")
    assert re.fullmatch(r"epoch 20/20  loss \d\.\d{4}  accuracy \d+\.\d%", lines[-1])
    assert run(False) == ""
    assert run(None) == ""  # captured stdout is not a terminal: no bar


def test_progress_true_without_tqdm_prints_lines(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes "import tqdm" fail
    X, t, model = _problem(n=8)
    fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=0.1),
        epochs=5, rng=0, progress=True)
    assert capsys.readouterr().out.count("epoch ") == 5


def test_progress_true_with_tqdm_shows_a_bar(capsys):
    pytest.importorskip("tqdm")
    X, t, model = _problem(n=8)
    fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=0.1),
        epochs=5, rng=0, progress=True)
    out = capsys.readouterr().out
    assert "training" in out and "5/5" in out and re.search(r"loss \d\.\d{4}  accuracy", out)


def test_text_progress_prints_at_least_every_few_seconds(capsys, monkeypatch):
    X, t, model = _problem(n=8)
    now = [0.0]

    def slow_clock():  # each reading of the clock is 3 seconds after the previous one
        now[0] += 3.0
        return now[0]

    monkeypatch.setattr(progress, "clock", slow_clock)
    fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=0.1),
        epochs=30, rng=0, progress="text")
    assert capsys.readouterr().out.count("epoch ") == 30  # every epoch: each took > 2 s
    monkeypatch.setattr(progress, "clock", lambda: 0.0)  # no time passes
    fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=0.1),
        epochs=30, rng=0, progress="text")
    assert capsys.readouterr().out.count("epoch ") == 11  # 1, 3, 6, ..., 30


def test_bad_progress_value():
    X, t, model = _problem(n=6)
    with pytest.raises(ValueError, match="progress must be None, True, False or 'text'"):
        fit(model, X, t, loss="mse", optimizer=tg.optim.SGD(model, lr=0.1), epochs=1,
            progress="bar")


# ----- checked before any work -----

class CountingNeuron(tg.nn.Neuron):
    """A neuron that counts its forward passes: a check "before any work" leaves it at 0."""

    calls = 0

    def forward(self, x):
        self.calls += 1
        return super().forward(x)


@pytest.mark.parametrize("optimizer, message", [
    (None, "optimizer must have zero_grad\\(\\) and step\\(\\).*got NoneType None"),
    ("sgd", "optimizer must have zero_grad"),
])
def test_fit_without_a_real_optimizer_fails_before_any_work(optimizer, message):
    X, t = tg.datasets.and_gate()
    model = CountingNeuron(2, rng=0)
    with pytest.raises(TypeError, match=message):
        fit(model, X, t, loss="mse", optimizer=optimizer, epochs=1, progress=False)
    assert model.calls == 0


def test_fit_with_the_optimizer_of_another_model_is_an_error():
    X, t = tg.datasets.and_gate()
    model, old = CountingNeuron(2, rng=0), tg.nn.Neuron(2, rng=0)  # the notebook re-run
    with pytest.raises(ValueError, match="optimizer holds none of the model's parameters"):
        fit(model, X, t, loss="mse", optimizer=tg.optim.SGD(old.parameters(), lr=0.1), epochs=1,
            progress=False)
    assert model.calls == 0


def test_fit_names_the_parameters_the_optimizer_does_not_hold():
    X, t = np.ones((4, 2)), np.zeros((4, 1))
    net = tg.nn.Sequential(tg.nn.Linear(2, 3, rng=0), tg.nn.Linear(3, 1, rng=1))
    opt = tg.optim.SGD(net[1].parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"does not hold the model's parameters "
                       r"\['layers.0.weight', 'layers.0.bias'\].*requires_grad=False"):
        fit(net, X, t, loss="mse", optimizer=opt, epochs=1, progress=False)
    for p in net[0].parameters():  # frozen on purpose: then the same optimizer is right
        p.requires_grad = False
    before = net[0].weight.data.copy()
    fit(net, X, t, loss="mse", optimizer=opt, epochs=2, progress=False)
    assert np.array_equal(net[0].weight.data, before)


@pytest.mark.parametrize("X, t, error, message", [
    ([[0, 0], [0, 1], [1, 0], [1, np.nan]], [0, 0, 0, 1], ValueError,
     r"fit: X holds nan at row 3, column 1; remove or fill"),
    ([[0, 0], [0, np.inf], [np.nan, 0], [1, 1]], [0, 0, 0, 1], ValueError,
     r"X holds inf at row 1, column 1 \(and 1 more non-finite value\)"),
    ([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, -np.inf, 1], ValueError,
     r"fit: t holds -inf at row 2;"),
    (np.ones((4, 2)) * (1 + 1j), [0, 0, 0, 1], TypeError, "X holds complex numbers"),
    ([["a", "b"]] * 4, [0, 0, 0, 1], TypeError, "X must hold numbers"),
    (np.ones((0, 2)), np.ones(0), ValueError, r"X has no rows \(shape \(0, 2\)\)"),
    ([[0, 0], [1]], [0, 1], ValueError, "X is not a rectangular array of numbers"),
    (1.0, [0], ValueError, "X must have one row per sample, got a scalar"),
])
def test_fit_checks_the_data_before_training(X, t, error, message):
    model = CountingNeuron(2, rng=0)
    with pytest.raises(error, match=message):
        fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=0.1),
            epochs=1, progress=False)
    assert model.calls == 0


def test_fit_rng_follows_the_one_seed_rule():
    X, t, model = _problem(n=6)
    for rng, error in ((-1, ValueError), ("seed", TypeError), (1.5, TypeError)):
        with pytest.raises(error, match="fit: rng"):
            fit(model, X, t, loss="mse", optimizer=tg.optim.SGD(model, lr=0.1), epochs=1,
                rng=rng, progress=False)


def test_a_loss_running_away_stops_before_it_overflows():
    X, t = np.array([[1.0], [2.0], [3.0]]), np.array([[2.0], [4.0], [6.0]])
    layer = tg.nn.Linear(1, 1, rng=0)
    # lr 10 multiplies the error by about 1 - 2·10·x² per step: > 1e6 times the first loss
    # within a few steps, far below overflow (pytest would fail on an overflow warning)
    with pytest.raises(FloatingPointError, match=r"training diverged; lower the learning rate"):
        fit(layer, X, t, loss="mse", optimizer=tg.optim.SGD(layer, lr=10.0), epochs=50,
            shuffle=False, progress=False)
    assert np.all(np.isfinite(layer.weight.data))


def test_history_holds_plain_floats_never_tensors():
    X, t, model = _problem(n=8)
    h = fit(model, X, t, loss="binary_cross_entropy", optimizer=tg.optim.SGD(model, lr=0.1),
            epochs=2, rng=0, progress=False,
            accuracy=lambda y, t: tg.Tensor(np.mean((y >= 0.5) == t)))  # a Tensor on purpose
    assert all(type(v) is float for v in h.loss + h.accuracy)
    assert re.search(r"accuracy \d+\.\d%\)$", str(h))


def test_diverged():
    assert not train.diverged(1e5, 0.1)  # big, but not a million times the first (>= 1)
    assert train.diverged(2e6, 0.5) and train.diverged(float("inf"), 1.0)
    assert train.diverged(float("nan"), 1.0) and not train.diverged(0.0, 0.0)
