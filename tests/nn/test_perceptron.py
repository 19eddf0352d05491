"""Perceptron.fit checks its data and hyper-parameters like tg.fit does, before any update."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

X, T = tg.datasets.and_gate()


@pytest.mark.parametrize("X, t, error, message", [
    (np.array([[0, 0], [0, 1], [1, np.nan], [1, 1]]), T, ValueError,
     r"Perceptron\(2 inputs\).fit: X holds nan at row 2, column 1"),
    (X, np.array([0, 0, np.inf, 1]), ValueError, r"fit: t holds inf at row 2"),
    (X * (1 + 0j), T, TypeError, r"fit: X holds complex numbers"),
    (np.ones((0, 2)), np.ones(0), ValueError, r"fit: X has no rows"),
    ([["a", "b"]], [0], TypeError, r"fit: X must hold numbers"),
])
def test_bad_data_is_refused_before_any_update(X, t, error, message):
    p = tg.nn.Perceptron(2, rng=0)
    w0 = p.w.data.copy()
    with pytest.raises(error, match=message):
        p.fit(X, t)
    assert np.array_equal(p.w.data, w0)


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": float("inf")}, r"lr must be a finite number > 0, got inf"),
    ({"lr": float("nan")}, r"lr must be a finite number > 0"),
    ({"lr": 0.0}, r"lr must be a finite number > 0, got 0.0"),
    ({"epochs": 0}, r"epochs must be a positive int, got 0"),
    ({"epochs": 2.0}, r"epochs must be a positive int, got 2.0"),
])
def test_bad_hyper_parameters_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tg.nn.Perceptron(2, rng=0).fit(X, T, **kwargs)


def test_integer_and_bool_data_are_numbers():
    p = tg.nn.Perceptron(2, rng=0)
    assert p.fit(X.astype(int), T.astype(bool), epochs=50).converged
