"""tg.plot: each helper draws what it says and writes the file (matplotlib, Agg backend)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import plot

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
T = np.array([0.0, 1.0, 1.0, 1.0])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def trained() -> tuple[tg.nn.Neuron, tg.Recorder, object]:
    model = tg.nn.Neuron(2, "sigmoid", rng=0)
    rec = tg.Recorder()
    history = tg.fit(model, X, T, loss="binary_cross_entropy",
                     optimizer=tg.optim.SGD(model.parameters(), lr=2.0), epochs=15,
                     batch_size=2, shuffle=False, progress=False, callbacks=[rec])
    return model, rec, history


def written(path) -> bool:
    return path.exists() and path.stat().st_size > 1000


def test_loss_curve_from_a_recorder_a_history_and_a_list(tmp_path):
    _, rec, history = trained()
    ax = plot.loss_curve(rec, path=tmp_path / "rec.png")
    assert written(tmp_path / "rec.png")
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), rec.losses)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), rec.steps)
    assert len(ax.lines) == 1 + 14  # the curve, and a line at each epoch end but the last
    full_batch = tg.Recorder()
    neuron = tg.nn.Neuron(2, rng=0)
    tg.fit(neuron, X, T, loss="mse", optimizer=tg.optim.SGD(neuron.parameters(), lr=0.1),
           epochs=5, progress=False, callbacks=[full_batch])
    assert len(plot.loss_curve(full_batch).lines) == 1  # one step per epoch: no epoch lines
    ax = plot.loss_curve(history, path=tmp_path / "hist.svg", log=True)
    assert written(tmp_path / "hist.svg") and ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(1, 16))
    assert ax.get_xlabel() == "epoch"
    _, existing = plt.subplots()
    assert plot.loss_curve([3.0, 2.0, 1.5], ax=existing) is existing
    np.testing.assert_array_equal(existing.lines[0].get_ydata(), [3.0, 2.0, 1.5])


def test_decision_boundary_of_a_neuron_with_its_weight_vector(tmp_path):
    model, _, _ = trained()
    ax = plot.decision_boundary(model, X, T, path=tmp_path / "db.png")
    assert written(tmp_path / "db.png")
    (arrow,) = [c for c in ax.texts if c.get_text() == "w"]
    # the arrow starts on the line w·x + b = 0 and points along w
    annotation = next(c for c in ax.texts if c.get_text() == "" and hasattr(c, "xy"))
    start, end = np.array(annotation.xyann), np.array(annotation.xy)
    w, b = model.w.data, float(model.b.data)
    assert abs(w @ start + b) < 1e-9
    direction = (end - start) / np.linalg.norm(end - start)
    np.testing.assert_allclose(direction, w / np.linalg.norm(w), atol=1e-12)
    assert arrow.get_position() is not None
    assert len(ax.collections) >= 2  # the shaded regions and the samples


def test_decision_boundary_with_explicit_weights_and_multiclass(tmp_path):
    ax = plot.decision_boundary(lambda x: F.step(x @ np.array([1.0, 1.0]) - 1.5), X,
                                np.array([0, 0, 0, 1]), weights=([1.0, 1.0], -1.5),
                                path=tmp_path / "and.png")
    assert written(tmp_path / "and.png") and any(t.get_text() == "w" for t in ax.texts)
    layer = tg.nn.Linear(2, 3, rng=0)
    ax = plot.decision_boundary(layer, X, np.array([0, 1, 2, 1]), path=tmp_path / "k3.png")
    assert written(tmp_path / "k3.png") and not any(t.get_text() == "w" for t in ax.texts)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        plot.decision_boundary(layer, np.ones((4, 3)), T)


def test_decision_boundary_draws_every_class_even_past_eight():
    rng = np.random.default_rng(0)
    X10 = rng.standard_normal((40, 2))
    labels = np.arange(40) % 10  # ten classes: more than the eight marker shapes
    ax = plot.decision_boundary(tg.nn.Linear(2, 10, rng=0), X10, labels)
    drawn = ax.get_legend_handles_labels()[1]
    assert drawn == [f"t = {k}" for k in range(10)]  # the 9th and 10th used to be dropped


def test_activations_and_their_derivatives(tmp_path):
    fig = plot.activations(("sigmoid", "tanh", "relu"), path=tmp_path / "act.png")
    assert written(tmp_path / "act.png")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["sigmoid", "tanh", "relu"]
    x = axes[0].lines[0].get_xdata()
    s = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(axes[0].lines[0].get_ydata(), s, rtol=1e-12)
    np.testing.assert_allclose(axes[0].lines[1].get_ydata(), s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(axes[1].lines[1].get_ydata(), 1 - np.tanh(x) ** 2, atol=1e-12)
    np.testing.assert_array_equal(axes[2].lines[1].get_ydata(), (x > 0).astype(float))
    with pytest.raises(ValueError, match=r"unknown.*softplus"):
        plot.activations(("softplus",))


def test_the_default_figure_starts_with_the_identity_the_lecture_lists():
    fig = plot.activations()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["identity", "step", "sign", "sigmoid", "tanh",
                                               "relu", "leaky_relu"]
    x = axes[0].lines[0].get_xdata()
    np.testing.assert_array_equal(axes[0].lines[0].get_ydata(), x)  # f(x) = x
    np.testing.assert_array_equal(axes[0].lines[1].get_ydata(), 1.0)  # f'(x) = 1
    assert axes[0].get_subplotspec().get_gridspec().get_geometry() == (2, 4)


def test_trajectories_and_weight_path(tmp_path):
    _, rec, _ = trained()
    fig = plot.trajectories(rec, path=tmp_path / "traj.png")
    assert written(tmp_path / "traj.png")
    value_axes = fig.axes[:2]  # first row: w and b
    np.testing.assert_array_equal(value_axes[0].lines[1].get_ydata(),
                                  rec.series("params", "w")[:, 1])
    grads_b = fig.axes[3].lines[0].get_ydata()
    np.testing.assert_array_equal(grads_b, rec.series("grads", "b"))
    ax = plot.weight_path(rec, "w", path=tmp_path / "path.pdf")
    assert written(tmp_path / "path.pdf")
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), rec.series("params", "w")[:, 0])
    with pytest.raises(ValueError, match="exactly 2"):
        plot.weight_path(rec, "b")
    with pytest.raises(ValueError, match="no parameter values"):
        plot.trajectories(tg.Recorder())


def test_importing_the_package_does_not_import_matplotlib():
    code = ("import sys, tinygrad_edu as tg; tg.plot; tg.viz; tg.Recorder; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr


def test_example_06_shows_the_naive_gradient_dying(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "06_why_fused_bce.py"
    spec = importlib.util.spec_from_file_location("example_06", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--out", str(tmp_path)])
    assert result["naive_grad_at_40"] == 0.0 and result["fused_grad_at_40"] == 1.0
    assert result["naive_loss_max"] == pytest.approx(100.0)  # ln 0 clamped at −100
    assert result["fused_max_abs_error"] < 1e-12
    assert result["naive_dead_fraction_above_37"] == 1.0
    assert result["pictures"] == [tmp_path / "06_why_fused_bce.png"]
    assert written(result["pictures"][0])
    assert [p.stem for p in result["graphs"]] == ["06_naive_graph", "06_fused_graph"]
    assert all(p.stat().st_size > 0 for p in result["graphs"])


def test_docs_seeing_inside_runs_and_prints_what_it_shows(tmp_path):
    import importlib.util
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs"
    spec = importlib.util.spec_from_file_location("mdrun", docs / "mdrun.py")
    mdrun = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mdrun", mdrun)  # dataclasses look their module up there
    spec.loader.exec_module(sys.modules["mdrun"])
    (tmp_path / "img").mkdir()
    sys.modules["mdrun"].run_page(docs / "seeing_inside.md", tmp_path)
    for name in ("loss", "boundary", "activations", "trajectories", "w_path"):
        assert written(tmp_path / "img" / f"{name}.png")


def test_activations_come_from_the_one_table_of_the_layers():
    assert plot.CURVES == [name for name in tg.nn.ACTIVATIONS if name != "softmax"]
    fig = plot.activations(("linear", "identity"))
    identity = next(ax for ax in fig.axes if ax.get_visible())
    np.testing.assert_array_equal(identity.lines[1].get_ydata(), 1.0)  # f'(x) = 1
    with pytest.raises(ValueError, match="softmax has no curve"):
        plot.activations(("softmax",))
