"""The shared argument checks: one rule for seeds, counts and numbers, wherever they arrive."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import arguments
from tinygrad_edu.arguments import as_generator, data_array, real_number, whole_number

X, T = tg.datasets.and_gate()

# public functions that take rng, called with only that argument varying (fit: test_train.py)
TAKES_RNG = {
    "randn": lambda rng: tg.randn(3, rng=rng),
    "Linear": lambda rng: tg.nn.Linear(2, 2, rng=rng),
    "Neuron": lambda rng: tg.nn.Neuron(2, rng=rng),
    "Perceptron": lambda rng: tg.nn.Perceptron(2, rng=rng),
    "train_test_split": lambda rng: tg.datasets.train_test_split(X, T, rng=rng),
    "linearly_separable": lambda rng: tg.datasets.linearly_separable(4, rng=rng),
}


def test_docstring_examples_run():
    assert doctest.testmod(arguments).failed == 0


@pytest.mark.parametrize("where", sorted(TAKES_RNG))
def test_every_rng_argument_follows_one_rule(where):
    call = TAKES_RNG[where]
    call(0), call(np.int64(3)), call(np.random.default_rng(1)), call(None)  # all accepted
    name = "Neuron" if where == "Perceptron" else where  # a Perceptron is a Neuron
    with pytest.raises(ValueError, match=f"{name}: rng seed must be a non-negative integer"):
        call(-1)
    for bad in ("x", 1.5, True, np.random.RandomState(0)):
        with pytest.raises(TypeError, match=f"{name}: rng must be an int seed"):
            call(bad)


def test_same_seed_same_numbers():
    assert np.array_equal(tg.randn(5, rng=7).data, tg.randn(5, rng=7).data)
    gen = as_generator(4, "here")
    assert as_generator(gen, "here") is gen  # a Generator is used (and advanced), not copied


@pytest.mark.parametrize("make, message", [
    (lambda: tg.nn.Linear(0, 2), "Linear: in_features must be a positive int, got 0"),
    (lambda: tg.nn.Neuron(2.0), "Neuron: n_inputs must be a positive int, got 2.0"),
    (lambda: tg.nn.Perceptron(2, rng=0).fit(X, T, epochs=True),
     r"fit: epochs must be a positive int, got True"),
    (lambda: tg.Recorder(every=-3), "Recorder: every must be a positive int, got -3"),
])
def test_one_positive_int_check_everywhere(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_whole_number_and_real_number():
    assert whole_number(np.int32(3), "n", "f") == 3 and type(whole_number(3, "n", "f")) is int
    assert whole_number(0, "seed", "f", minimum=0) == 0
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        whole_number(-1, "seed", "f", minimum=0)
    assert real_number(np.float32(0.5), "lr", "f", low=0.0) == 0.5
    with pytest.raises(ValueError, match=r"f: lr must be a finite number > 0, got 0"):
        real_number(0, "lr", "f", low=0.0, low_inclusive=False)
    with pytest.raises(ValueError, match=r"beta must be a finite number in \[0, 1\), got 1"):
        real_number(1, "beta", "f", low=0.0, high=1.0)


def test_data_array_names_the_first_bad_place():
    cube = np.zeros((2, 3, 4))
    cube[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match=r"X holds nan at row 1, index \(2, 3\)"):
        data_array(cube, "X", "f")
    ints = data_array([[1, 2]], "X", "f")
    assert ints.dtype.kind == "i"  # dtype kept: fit turns rows into float64 Tensors itself
