"""The examples run, print their result, save their pictures and reach their targets.

Each example is loaded with runpy (no new interpreter per example, so the whole file stays
fast) and its ``main(argv)`` is called with a fixed seed, a small epoch count where that
keeps CI fast, and ``--out tmp_path``. One example also runs as a real script.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG = b"\x89PNG\r\n\x1a\n"


def run_example(name: str, *argv: str) -> dict:
    path = next(EXAMPLES.glob(f"{name}_*.py"))
    main = runpy.run_path(str(path), run_name=f"example_{name}")["main"]
    return main(list(argv))


def assert_pictures(result: dict, out: Path) -> None:
    assert result["pictures"]
    for picture in result["pictures"]:
        assert Path(picture).parent == out and Path(picture).read_bytes()[:8] == PNG


def test_the_five_lecture_examples_are_there():
    names = {p.name[:2] for p in EXAMPLES.glob("0*_*.py")}
    assert {"01", "02", "03", "04", "05"} <= names


def test_01_neuron_by_hand(tmp_path, capsys):
    result = run_example("01", "--epochs", "40", "--out", str(tmp_path))
    assert result["grad_diff"] < 1e-12  # the hand-derived gradient is the autograd one
    assert result["final_loss"] < 0.1 * result["initial_loss"]
    assert "largest difference between hand and autograd gradients" in capsys.readouterr().out
    assert_pictures(result, tmp_path)


def test_02_perceptron_gates(tmp_path, capsys):
    result = run_example("02", "--epochs", "20", "--out", str(tmp_path))
    assert result["and"]["converged"] and result["and"]["accuracy"] == 1.0
    assert result["or"]["converged"] and result["or"]["accuracy"] == 1.0
    assert not result["xor"]["converged"] and result["xor"]["accuracy"] < 1.0
    assert "XOR: did NOT converge" in capsys.readouterr().out
    assert_pictures(result, tmp_path)


def test_03_linear_regression(tmp_path):
    result = run_example("03", "--epochs", "100", "--out", str(tmp_path))
    # gradient descent reaches the least-squares line (to 1e-3) and that line is near the
    # true one (noise std 0.5 on 100 points: the slope's standard error is about 0.03)
    assert result["slope"] == pytest.approx(result["lstsq_slope"], abs=1e-3)
    assert result["intercept"] == pytest.approx(result["lstsq_intercept"], abs=1e-3)
    assert result["slope"] == pytest.approx(2.0, abs=0.1)
    assert result["intercept"] == pytest.approx(1.0, abs=0.2)
    assert_pictures(result, tmp_path)


def test_04_biopsy_reaches_96_percent(tmp_path, capsys):
    result = run_example("04", "--epochs", "20", "--out", str(tmp_path))
    assert len(result["accuracies"]) == 5
    assert result["mean_test_accuracy"] >= 0.96
    assert "mean test accuracy over 5 splits" in capsys.readouterr().out
    assert_pictures(result, tmp_path)


def test_05_digits_reaches_94_percent(tmp_path):
    pytest.importorskip("sklearn")
    result = run_example("05", "--epochs", "5", "--out", str(tmp_path))
    assert result["test_accuracy"] >= 0.94
    assert_pictures(result, tmp_path)


def test_05_names_its_most_frequent_mistake_in_good_english():
    import numpy as np

    path = next(EXAMPLES.glob("05_*.py"))
    say = runpy.run_path(str(path), run_name="example_05")["most_frequent_mistake"]
    labels = np.array([3, 3, 5, 8, 8, 8])
    assert say(labels, np.array([5, 5, 5, 8, 8, 1])) == ("most frequent mistake: 3 read as 5 "
                                                         "(2 times)")
    assert say(labels, np.array([3, 3, 5, 8, 8, 1])) == "one mistake: 8 read as 1"
    assert say(labels, np.array([5, 3, 5, 8, 8, 1])) == (
        "no mistake happened twice: 2 wrong images, each a different pair (e.g. 3 read as 5)")
    assert say(labels, labels) == "no mistake on the test images"


def _figures_drawn(monkeypatch, name: str, *argv: str) -> list:
    """The figures an example saves (kept open to be read, instead of written)."""
    from matplotlib.figure import Figure

    figures = []
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: figures.append(fig))
    run_example(name, *argv)
    return figures


def test_04_right_panel_is_the_separate_two_feature_neuron_with_w(tmp_path, monkeypatch):
    (fig,) = _figures_drawn(monkeypatch, "04", "--epochs", "5", "--splits", "1",
                            "--out", str(tmp_path))
    _, right = fig.axes
    assert right.get_title().startswith("a separate neuron on 2 of the 30 features")
    assert right.get_aspect() == 1.0  # equal: w is drawn at right angles to the line
    assert any(text.get_text() == "w" for text in right.texts)  # w's arrow and its label
    assert "p = 0.5  (w·x + b = 0)" in right.get_legend_handles_labels()[1]


def test_06_guide_band_is_labelled(tmp_path, monkeypatch):
    figures = _figures_drawn(monkeypatch, "06", "--out", str(tmp_path))
    gradient = figures[-1].axes[2]
    assert "σ(z) rounds to 1: 1 − σ(z) = 0" in gradient.get_legend_handles_labels()[1]
    assert gradient.get_title() == "gradient dE/dz: the naive one drops to 0 at z ≈ 36.74"


def test_07_xor_hidden_layer_solves_xor_from_9_of_10_seeds(tmp_path, capsys):
    result = run_example("07", "--try-seeds", "10", "--out", str(tmp_path))
    assert result["accuracy"] == 1.0 and result["final_loss"] < 0.01 * result["initial_loss"]
    assert len(result["solved_seeds"]) >= 9  # the promise of the example's docstring
    out = capsys.readouterr().out
    assert "accuracy 100%" in out and "solved XOR from" in out
    assert_pictures(result, tmp_path)


@pytest.mark.parametrize("argv, message", [(["--epochs", "0"], "--epochs must be at least 1"),
                                           (["--lr", "-1"], "--lr must be a positive number"),
                                           (["--lr", "nan"], "--lr must be a positive number")])
def test_07_refuses_bad_arguments(argv, message, capsys):
    with pytest.raises(SystemExit):
        run_example("07", *argv)
    assert message in capsys.readouterr().err


def test_an_example_runs_as_a_script(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "02_perceptron_gates.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "MPLBACKEND": "Agg",
             "PYTHONPATH": os.pathsep.join([str(EXAMPLES.parent),
                                            os.environ.get("PYTHONPATH", "")])},
    )
    assert proc.returncode == 0, proc.stderr
    assert "AND: converged" in proc.stdout
    assert (tmp_path / "02_perceptron.png").read_bytes()[:8] == PNG


# ----- bad arguments and a runaway loss: clear messages, no traceback, no picture -----

@pytest.mark.parametrize("name", ["01", "02", "03", "04", "05"])
def test_examples_that_train_accept_epochs_and_refuse_zero(name, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        run_example(name, "--epochs", "0", "--out", str(tmp_path))
    assert e.value.code == 2
    assert "argument --epochs: must be at least 1, got 0" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, argv, message", [
    ("04", ["--splits", "0"], "argument --splits: must be at least 1, got 0"),
    ("03", ["--lr", "-0.1"], "argument --lr: must be a positive number"),
    ("03", ["--lr", "nan"], "argument --lr: must be a positive number"),
    ("02", ["--seed", "-1"], "argument --seed: must be at least 0"),
    ("06", ["--out", __file__], "is a file, not a folder"),
])
def test_bad_arguments_are_usage_errors(name, argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        run_example(name, *argv)
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_a_diverging_learning_rate_stops_with_advice(tmp_path, capsys):
    # lr 1.5 on x in [-3, 3]: each step multiplies the error by about 1 - 2·1.5·E[x²] = -8
    with pytest.raises(SystemExit) as e:
        run_example("03", "--lr", "1.5", "--out", str(tmp_path))
    assert str(e.value.code).startswith("diverged: lower the learning rate (--lr); the loss "
                                        "reached")
    assert capsys.readouterr().out == "" and list(tmp_path.iterdir()) == []


def test_readme_says_which_examples_accept_epochs():
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    assert "01–05 accept `--epochs`" in readme
    with pytest.raises(SystemExit):  # 06 trains nothing: no --epochs, as README says
        run_example("06", "--epochs", "5")
