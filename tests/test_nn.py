"""Tests for tinygrad_edu.nn: layers, parameter discovery, state dicts, checkpoints, perceptron."""

from __future__ import annotations

import doctest
import os
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import checkpoint, layers, module, perceptron


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def test_docstring_examples_run():
    for mod in (nn, layers, module, perceptron):
        # whitespace normalized: a long message in a docstring is wrapped over two lines
        result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, mod.__name__
    assert doctest.testmod(layers).attempted >= 6


# ----- Linear and Neuron: shapes and the row convention -----

def test_linear_weight_rows_are_neurons():
    layer = nn.Linear(4, 3, "sigmoid", rng=1)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    X = np.random.default_rng(2).standard_normal((5, 4))
    Y = layer(X).numpy()
    assert Y.shape == (5, 3)
    W, b = layer.weight.data, layer.bias.data
    for n in range(5):
        for j in range(3):  # output j of sample n is neuron j: σ(w_j · x_n + b_j)
            assert Y[n, j] == pytest.approx(sigmoid(W[j] @ X[n] + b[j]), rel=1e-12)


def test_linear_single_sample_and_no_bias():
    layer = nn.Linear(3, 2, bias=False, rng=0)
    x = np.array([1.0, -2.0, 0.5])
    y = layer(tg.Tensor(x))
    assert y.shape == (2,)
    np.testing.assert_allclose(y.data, layer.weight.data @ x, rtol=1e-12)
    assert layer.bias is None and len(layer.parameters()) == 1


def test_linear_gradients_follow_the_formula():
    layer = nn.Linear(3, 2, rng=0)
    X = np.random.default_rng(1).standard_normal((4, 3))
    G = np.random.default_rng(2).standard_normal((4, 2))  # upstream dL/dY
    (layer(X) * G).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, G.T @ X, rtol=1e-12)  # dL/dW = Gᵀ X
    np.testing.assert_allclose(layer.bias.grad, G.sum(axis=0), rtol=1e-12)  # summed over batch


def test_neuron_shapes_and_value():
    neuron = nn.Neuron(3, "tanh", rng=0)
    assert neuron.w.shape == (3,) and neuron.b.shape == ()
    x = np.array([0.5, -1.0, 2.0])
    y = neuron(x)
    assert y.shape == ()
    assert y.item() == pytest.approx(np.tanh(neuron.w.data @ x + neuron.b.data), rel=1e-12)
    assert neuron(np.ones((7, 3))).shape == (7,)


def test_wrong_number_of_features_names_layer_and_shapes():
    with pytest.raises(tg.ShapeError) as e:
        nn.Linear(4, 3)(np.ones((32, 5)))
    assert str(e.value) == ("Linear(4 -> 3): expected input with 4 features (shape (4,) or "
                            "(N, 4)), got shape (32, 5)")
    with pytest.raises(tg.ShapeError, match=r"Neuron\(2 inputs\).*2 features.*got shape \(3,\)"):
        nn.Neuron(2)(np.ones(3))
    with pytest.raises(tg.ShapeError, match=r"got shape \(\)"):
        nn.Linear(1, 1)(2.0)


@pytest.mark.parametrize("name, f", [
    ("identity", lambda z: z), ("linear", lambda z: z), (None, lambda z: z),
    ("sigmoid", sigmoid), ("tanh", np.tanh), ("relu", lambda z: np.maximum(z, 0)),
    ("sign", np.sign), ("step", lambda z: (z >= 0).astype(float)),
    ("softmax", lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)),
])
def test_activations_by_name(name, f):
    layer = nn.Linear(3, 4, name, rng=3)
    X = np.random.default_rng(4).standard_normal((6, 3))
    Z = X @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(X).data, f(Z), rtol=1e-12, atol=1e-15)


def test_activation_callable_and_unknown_name():
    layer = nn.Linear(2, 2, lambda z: z * 2.0, rng=0)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(layer(x).data, 2 * (layer.weight.data @ x + layer.bias.data))
    with pytest.raises(ValueError, match=r"unknown activation 'softplus'.*'sigmoid'.*'relu'"):
        nn.Linear(2, 2, "softplus")
    with pytest.raises(TypeError, match="activation"):
        nn.Neuron(2, activation=3)  # type: ignore[arg-type]


def test_bad_sizes_and_rng():
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match="n_inputs"):
        nn.Neuron(2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rng must be"):
        nn.Linear(2, 2, rng="seed")  # type: ignore[arg-type]


# ----- seeded initialisation -----

def test_same_seed_same_weights_different_seed_different():
    a, b, c = nn.Linear(5, 4, rng=7), nn.Linear(5, 4, rng=7), nn.Linear(5, 4, rng=8)
    assert np.array_equal(a.weight.data, b.weight.data) and np.array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert np.array_equal(nn.Neuron(4, rng=g1).w.data, nn.Neuron(4, rng=g2).w.data)
    # a Generator is advanced: two layers drawn from one generator differ
    assert not np.array_equal(nn.Neuron(4, rng=g1).w.data, nn.Neuron(4, rng=g1).w.data)


def test_initialisation_is_uniform_within_one_over_sqrt_fan_in():
    layer = nn.Linear(16, 200, rng=0)
    bound = 1 / np.sqrt(16)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.95 * bound  # spread over the whole range
    assert abs(layer.weight.data.mean()) < 0.02  # 3200 draws: std of the mean ≈ 0.0026


# ----- parameters(): found recursively, each once -----

class Net(nn.Module):
    def __init__(self) -> None:
        self.first = nn.Linear(2, 3, rng=0)
        self.blocks = [nn.Linear(3, 3, rng=1), {"a": nn.Linear(3, 3, rng=2)}]
        self.shared = self.first.weight  # the same tensor again
        self.frozen = tg.Tensor([1.0, 2.0])  # not trainable: in state_dict, not parameters()
        self.again = self.blocks[0]  # the same module again
        self.me = self  # a cycle

    def forward(self, x):
        return self.blocks[1]["a"](self.blocks[0](self.first(x)))


def test_parameters_found_recursively_each_once():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["first.weight", "first.bias", "blocks.0.weight", "blocks.0.bias",
                     "blocks.1.a.weight", "blocks.1.a.bias"]
    params = net.parameters()
    assert len({id(p) for p in params}) == len(params) == 6
    assert list(net.state_dict()) == [*names, "frozen"]


def test_zero_grad_clears_every_parameter():
    net = Net()
    net(np.ones((2, 2))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_sequential():
    seq = nn.Sequential(nn.Linear(2, 4, "relu", rng=0), tg.functional.tanh, nn.Linear(4, 1, rng=1))
    x = np.array([[0.5, -1.0]])
    h = np.maximum(x @ seq[0].weight.data.T + seq[0].bias.data, 0)
    expected = np.tanh(h) @ seq[2].weight.data.T + seq[2].bias.data
    np.testing.assert_allclose(seq(x).data, expected, rtol=1e-12)
    assert len(seq) == 3 and next(n for n, _ in seq.named_parameters()) == "layers.0.weight"
    with pytest.raises(TypeError, match="step 0"):
        nn.Sequential(3)


# ----- state dicts -----

def test_state_dict_round_trip_is_bit_exact_and_copies():
    a, b = Net(), Net()
    for p in b.parameters():
        p.data = p.data + 1.0
    state = a.state_dict()
    b.load_state_dict(state)
    for (na, ta), (nb, tb) in zip(a.named_tensors(), b.named_tensors(), strict=True):
        assert na == nb and np.array_equal(ta.data, tb.data) and ta.data is not tb.data
    state["first.bias"][:] = 99.0  # the state dict is a copy, not a view of the model
    assert not np.any(a.first.bias.data == 99.0)


def test_load_state_dict_names_and_shapes_checked_before_anything_changes():
    net = Net()
    before = net.state_dict()
    state = net.state_dict()
    del state["first.bias"]
    state["extra"] = np.zeros(2)
    with pytest.raises(KeyError) as e:
        net.load_state_dict(state)
    assert "missing: ['first.bias']" in str(e.value) and "unexpected: ['extra']" in str(e.value)
    state = {k: v + 1 for k, v in before.items()}
    state["blocks.1.a.bias"] = np.zeros(4)
    with pytest.raises(tg.ShapeError, match=r"'blocks.1.a.bias' has shape \(3,\) in the model "
                       r"but \(4,\)"):
        net.load_state_dict(state)
    for name, value in net.state_dict().items():  # nothing was half-loaded
        assert np.array_equal(value, before[name])


# ----- checkpoint files -----

def test_save_load_round_trip_bit_exact(tmp_path):
    a, b = Net(), Net()
    a.first.weight.data = np.array([[np.pi, -1e-300], [1e300, np.nextafter(1.0, 2.0)],
                                    [0.1, -0.0]])
    path = tmp_path / "model.ckpt"  # no .npz suffix: written exactly there
    a.save(str(path))
    assert path.exists() and not (tmp_path / "model.ckpt.npz").exists()
    assert os.listdir(tmp_path) == ["model.ckpt"]  # no temporary file left over
    b.load(path)
    for ta, tb in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
        assert ta.dtype == tb.dtype and ta.tobytes() == tb.tobytes()
    with np.load(path, allow_pickle=False) as f:  # an ordinary npz keyed by state_dict names
        assert sorted(f.files) == sorted(a.state_dict())


def test_crash_while_saving_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    net = Net()
    net.save(path)
    old = path.read_bytes()
    calls = []

    def fail_on_third(member, array, allow_pickle):  # a crash half-way through the arrays
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(member, array, allow_pickle=allow_pickle)

    real = np.lib.format.write_array
    monkeypatch.setattr(np.lib.format, "write_array", fail_on_third)
    for p in net.parameters():
        p.data = p.data * 2
    with pytest.raises(OSError, match="disk full"):
        net.save(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.npz"]


def _write_npy(path: Path) -> None:
    with open(path, "wb") as f:
        np.save(f, np.ones(3))


def _write_object_npz(path: Path) -> None:
    with open(path, "wb") as f:
        np.savez(f, weight=np.array([{"a": 1}], dtype=object))


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.write_text("hello, not a checkpoint"), "not an .npz"),
    (_write_npy, "single .npy array"),
    (_write_object_npz, "allow_pickle"),
    (lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 40), "zip"),
])
def test_file_that_is_not_a_checkpoint_is_a_value_error_naming_the_path(tmp_path, make, reason):
    path = tmp_path / "weird.npz"
    make(path)
    with pytest.raises(ValueError, match=r"weird\.npz.*is not a tinygrad_edu checkpoint") as e:
        nn.Linear(2, 2).load(path)
    assert reason in str(e.value)


def test_truncated_checkpoint_is_a_value_error(tmp_path):
    path = tmp_path / "m.npz"
    Net().save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match=r"m\.npz"):
        Net().load(path)


def test_foreign_npz_and_wrong_shapes_name_the_file(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.ones(3))
    with pytest.raises(KeyError, match=r"other.npz.*missing: \['weight', 'bias'\].*'a'"):
        nn.Linear(2, 2).load(path)
    nn.Linear(2, 3).save(path)
    with pytest.raises(tg.ShapeError, match=r"other.npz.*'weight' has shape \(2, 2\)"):
        nn.Linear(2, 2).load(path)
    with pytest.raises(FileNotFoundError, match="nope"):
        nn.Linear(2, 2).load(tmp_path / "nope.npz")


def test_checkpoint_module_keeps_permissions_ordinary(tmp_path):
    path = tmp_path / "m.npz"
    old = os.umask(0o022)  # the usual umask: an ordinary file is then 0644
    try:
        checkpoint.write_npz(Path(path), {"x": np.ones(2)})
    finally:
        os.umask(old)
    assert (path.stat().st_mode & 0o777) == 0o644


# ----- perceptron -----

@pytest.mark.parametrize("gate", ["and", "or"])
def test_perceptron_converges_on_and_or(gate):
    X, t = tg.datasets.logic_gate(gate)
    p = nn.Perceptron(2, rng=0)
    result = p.fit(X, t, epochs=100)
    assert result.converged and bool(result) and result.errors[-1] == 0
    assert np.array_equal(p(X).numpy(), t)
    assert "converged after" in str(result)


def test_perceptron_reports_failure_on_xor():
    X, t = tg.datasets.xor_gate()
    p = nn.Perceptron(2, rng=0)
    result = p.fit(X, t, epochs=50)
    assert not result.converged and result.epochs == 50 and min(result.errors) >= 1
    assert "did NOT converge" in str(result)
    assert not np.array_equal(p(X).numpy(), t)  # no line separates XOR


def test_perceptron_rule_by_hand():
    p = nn.Perceptron(2, rng=0)
    p.w.data, p.b.data = np.array([0.0, 0.0]), np.array(0.0)
    X, t = np.array([[1.0, 2.0]]), np.array([0.0])
    # w·x + b = 0 -> predicts 1, target 0: e = -1, w ← w - 0.5 x, b ← b - 0.5
    result = p.fit(X, t, epochs=1, lr=0.5)
    assert result.errors == [1] and not result.converged
    np.testing.assert_array_equal(p.w.data, [-0.5, -1.0])
    assert p.b.data == -0.5 and p.b.shape == ()


def test_perceptron_on_separable_data_and_bad_input():
    X, t = tg.datasets.linearly_separable(60, margin=0.3, rng=4)
    p = nn.Perceptron(2, rng=1)
    assert p.fit(X, t, epochs=500).converged
    assert np.array_equal(p(X).numpy(), t)
    with pytest.raises(ValueError, match="0 or 1"):
        p.fit(X, t * 2 - 1)
    with pytest.raises(tg.ShapeError, match=r"Perceptron\(2 inputs\).fit: X must have shape"):
        p.fit(np.ones((4, 3)), np.zeros(4))


def test_save_into_missing_directory_and_awkward_names(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nn.Linear(2, 2).save(tmp_path / "missing" / "m.npz")

    class Odd(nn.Module):  # names that np.savez(**state) would take as its own arguments
        def __init__(self) -> None:
            self.allow_pickle = tg.Tensor([1.0, 2.0], requires_grad=True)
            self.file = tg.Tensor([3.0], requires_grad=True)

    a, b = Odd(), Odd()
    b.allow_pickle.data, b.file.data = np.zeros(2), np.zeros(1)
    a.save(tmp_path / "odd.npz")
    b.load(tmp_path / "odd.npz")
    assert b.allow_pickle.data.tolist() == [1.0, 2.0] and b.file.data.tolist() == [3.0]


def test_repr_shows_the_structure():
    net = nn.Sequential(nn.Linear(4, 8, "relu"), nn.Neuron(8, "sigmoid"))
    assert repr(net) == ("Sequential(\n  (0): Linear(4 -> 8, activation='relu')\n"
                         "  (1): Neuron(8, activation='sigmoid')\n)")
