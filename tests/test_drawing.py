"""drawing.py: the line w·x + b = 0 and its normal w, labelled inside the view, clear of
the samples (matplotlib, Agg backend)."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt

import tinygrad_edu as tg
from tinygrad_edu.drawing import line_and_normal

GATE_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _label_and_arrow(ax):
    (label,) = [c for c in ax.texts if c.get_text() == "w"]
    arrow = next(c for c in ax.texts if c.get_text() == "" and hasattr(c, "xy"))
    return label, np.array(arrow.xyann), np.array(arrow.xy)


def _check(ax, w, b, X):
    label, start, tip = _label_and_arrow(ax)
    ax.figure.canvas.draw()
    box, frame = label.get_window_extent(), ax.get_window_extent()
    # the whole letter is inside the axes (it used to be cut off at the right edge)
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
    # ... and away from every sample: more than 0.1 of the view from each
    size = max(np.ptp(ax.get_xlim()), np.ptp(ax.get_ylim()))
    spot = np.array(label.get_position())
    assert np.linalg.norm(X - spot, axis=1).min() > 0.1 * size
    # the arrow starts on the line and points along w
    assert abs(w @ start + b) < 1e-9
    np.testing.assert_allclose((tip - start) / np.linalg.norm(tip - start),
                               w / np.linalg.norm(w), atol=1e-12)


def test_the_label_of_the_and_perceptrons_w_is_inside_the_picture():
    X, t = tg.datasets.and_gate()
    p = tg.nn.Perceptron(2, rng=0)
    p.fit(X, t, epochs=50)  # w = [2.194 0.674], b = -2.649: the line crosses the right edge
    ax = tg.plot.decision_boundary(p, X, t)
    _check(ax, p.w.numpy(), p.b.item(), X)


@pytest.mark.parametrize("w, b", [([-0.806, -0.326], 0.351),   # example 02's XOR, seed 0
                                  ([1.0, 1.0], -0.5), ([0.0, 1.0], -1.2), ([1.0, -3.0], 0.2)])
def test_the_label_keeps_clear_of_the_samples(w, b):
    w = np.array(w)
    _, ax = plt.subplots(figsize=(5, 5))
    lim = (-0.75, 1.75)
    ax.scatter(*GATE_X.T, s=120)
    line_and_normal(ax, w, b, lim, lim, GATE_X, line_label="w·x + b = 0")
    ax.set(xlim=lim, ylim=lim, aspect="equal")
    _check(ax, w, b, GATE_X)
    assert ax.get_legend_handles_labels()[1] == ["w·x + b = 0"]


def test_a_line_outside_the_view_draws_no_arrow():
    _, ax = plt.subplots()
    line_and_normal(ax, np.array([1.0, 0.0]), -10.0, (0.0, 1.0), (0.0, 1.0), GATE_X)
    assert not any(c.get_text() == "w" for c in ax.texts)
