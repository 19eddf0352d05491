"""Tests for the command line: ``tinygrad-edu demo`` and ``python -m tinygrad_edu demo``.

Most tests call ``cli.main`` in this process; those about signals and pipes run the real
console script (``tinygrad-edu``, installed next to this Python) in a subprocess.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import cli, demo

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("tinygrad-edu")
posix_script = pytest.mark.skipif(os.name != "posix" or not SCRIPT.exists(),
                                  reason="needs the installed console script and POSIX signals")
FINAL = re.compile(r"after (\d+) epochs, on the training set: loss (\d\.\d{4})  "
                   r"accuracy (\d+\.\d)%")


def test_demo_biopsy_trains_and_reports(capsys):
    assert cli.main(["demo", "--epochs", "30"]) == 0
    out = capsys.readouterr().out
    assert "biopsy: 455 training and 114 test samples" in out
    assert "mini-batch gradient descent (batches of 32)" in out
    epochs, loss, _ = FINAL.search(out).groups()
    test_acc = float(re.search(r"unseen test biopsies: loss \d\.\d{4}  accuracy (\d+\.\d)%",
                               out).group(1))
    assert epochs == "30" and float(loss) < 0.15 and test_acc >= 95.0
    assert "epoch 30/30" in out  # progress lines when stdout is not a terminal


@pytest.mark.parametrize("gate, predictions", [("and", "[0, 0, 0, 1]"), ("OR", "[0, 1, 1, 1]"),
                                               ("And", "[0, 0, 0, 1]")])
def test_demo_gates_in_any_case(capsys, gate, predictions):
    assert cli.main(["demo", "--dataset", gate, "--lr", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert f"{gate.upper()} gate" in out and "full-batch gradient descent" in out
    assert FINAL.search(out).group(3) == "100.0"
    assert out.rstrip().endswith(predictions)


def test_demo_xor_shows_one_neuron_failing(capsys):
    assert cli.main(["demo", "--dataset", "xor", "--epochs", "200"]) == 0
    out = capsys.readouterr().out
    assert "one neuron cannot learn it" in out
    assert float(FINAL.search(out).group(3)) <= 75.0


def test_demo_result_numbers():
    result = cli.run_demo("biopsy", epochs=20, seed=1)
    assert set(result) == {"loss", "train_accuracy", "test_accuracy"}
    assert result["train_accuracy"] >= 0.95 and result["test_accuracy"] >= 0.9


def test_final_loss_is_the_training_loss_function(monkeypatch, capsys):
    # lr 1e-300 leaves the weights as they were, so the loss after training must be the one
    # the epoch measured, up to the order of the 4-term mean (rows shuffled): a different
    # formula (another clamp of log 0, say) would differ by far more than 1e-14
    histories = []
    real_fit = demo.fit

    def spy(*args, **kwargs):
        histories.append(real_fit(*args, **kwargs))
        return histories[-1]

    monkeypatch.setattr(demo, "fit", spy)
    result = demo.run_demo("xor", epochs=1, lr=1e-300)
    assert result["loss"] == pytest.approx(histories[0].loss[0], rel=1e-14, abs=0)
    out = capsys.readouterr().out
    assert re.search(r"epoch 1/1  loss (\S+)", out).group(1) == FINAL.search(out).group(2)


def test_plot_writes_a_png_and_says_where(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    assert cli.main(["demo", "--dataset", "or", "--epochs", "20", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"saved the training curves to {path}\n" in capsys.readouterr().out


def _drawn_figure(monkeypatch, dataset, tmp_path, **kw):
    figures = []
    real = demo.plot_curves
    monkeypatch.setattr(demo, "plot_curves", lambda *a: figures.append(real(*a)) or figures[-1])
    result = demo.run_demo(dataset, plot=tmp_path / "c.png", **kw)
    return figures[0], result


def test_plot_shows_test_beside_training_accuracy_with_labelled_axes(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    fig, result = _drawn_figure(monkeypatch, "biopsy", tmp_path, epochs=4, seed=2)
    loss_ax, acc_ax = fig.axes
    assert (loss_ax.get_ylabel(), acc_ax.get_ylabel()) == ("binary cross-entropy",
                                                           "accuracy (%)")
    assert loss_ax.get_xlabel() == acc_ax.get_xlabel() == "epoch"
    assert [line.get_label() for line in acc_ax.lines] == [
        "training set", "test set (114 biopsies held out)"]
    train, test = (line.get_ydata() for line in acc_ax.lines)
    assert len(train) == len(test) == 4  # one point per epoch
    # the last points are the numbers the demo prints at the end
    assert train[-1] == pytest.approx(100 * result["train_accuracy"])
    assert test[-1] == pytest.approx(100 * result["test_accuracy"])
    assert fig._suptitle.get_text() == ("one sigmoid neuron, y = σ(w·x + b), trained on "
                                        "breast-cancer biopsies (30 features)")
    # the split and the training are seeded: the same seed draws the same curves
    again, _ = _drawn_figure(monkeypatch, "biopsy", tmp_path, epochs=4, seed=2)
    np.testing.assert_array_equal(again.axes[1].lines[1].get_ydata(), test)


def test_a_gates_plot_says_its_four_rows_are_also_the_test_set(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    fig, _ = _drawn_figure(monkeypatch, "and", tmp_path, epochs=30, lr=2.0)
    assert [line.get_label() for line in fig.axes[1].lines] == [
        "the 4 rows (the training and the test set)"]
    assert fig._suptitle.get_text().endswith("trained on the AND gate")


def test_plot_without_a_suffix_writes_png_and_prints_that_name(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert cli.main(["demo", "--dataset", "or", "--epochs", "5", "--plot",
                     str(tmp_path / "noext")]) == 0
    assert os.listdir(tmp_path) == ["noext.png"]
    assert f"saved the training curves to {tmp_path / 'noext.png'}\n" in capsys.readouterr().out


@pytest.mark.parametrize("where, message", [
    ("out.xyz", r"argument --plot: cannot save a picture as .xyz; end the name with one of .*png"),
    (".", r"argument --plot: '.' is a directory; give a file name, such as 'curves.png'"),
    ("DIR/", r"argument --plot: '.*/' is a directory"),
    ("DIR", r"argument --plot: '.*' is a directory"),
])
def test_bad_plot_paths_are_refused_before_training(tmp_path, capsys, where, message):
    pytest.importorskip("matplotlib")
    where = where.replace("DIR", str(tmp_path))
    with pytest.raises(SystemExit) as e:
        cli.main(["demo", "--dataset", "and", "--plot", where])
    captured = capsys.readouterr()
    assert e.value.code == 2 and re.search(message, captured.err)
    assert "epoch" not in captured.out and os.listdir(tmp_path) == []


def test_plot_into_missing_directory_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    with pytest.raises(SystemExit) as e:
        cli.main(["demo", "--plot", str(tmp_path / "no" / "such" / "dir.png")])
    captured = capsys.readouterr()
    assert e.value.code == 1 and "does not exist" in captured.err and captured.out == ""


def test_plot_into_a_read_only_directory_is_refused_before_training(tmp_path, capsys,
                                                                   monkeypatch):
    pytest.importorskip("matplotlib")
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    # as the system would answer for a directory without write permission (asked of the
    # system itself, root would be allowed anyway)
    monkeypatch.setattr(demo.os, "access", lambda p, mode: False if Path(p) == locked
                        else real_access(p, mode))
    with pytest.raises(SystemExit) as e:
        cli.main(["demo", "--plot", str(locked / "c.png")])
    captured = capsys.readouterr()
    assert e.value.code == 1 and "permission denied" in captured.err and captured.out == ""


@pytest.mark.parametrize("argv, message", [
    (["demo", "--dataset", "nand"], "invalid choice: 'nand'"),
    (["demo", "--epochs", "0"], "--epochs: must be at least 1"),
    (["demo", "--epochs", "ten"], "--epochs: expected a whole number"),
    (["demo", "--lr", "-1"], "--lr: must be a positive number"),
    (["demo", "--lr", "inf"], "--lr: must be a positive number"),
    (["demo", "--seed", "-2"], "--seed: must be at least 0"),
    (["train"], "invalid choice: 'train'"),
])
def test_bad_arguments_are_argparse_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_console_script_points_at_main():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # (tomllib needs 3.11)
    target = re.search(r'^tinygrad-edu\s*=\s*"([^"]+)"', text, re.MULTILINE).group(1)
    module_name, func_name = target.split(":")
    entry = getattr(import_module(module_name), func_name)
    assert entry(["demo", "--dataset", "and", "--epochs", "5"]) == 0


def test_python_dash_m_demo_exits_zero():
    proc = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "demo", "--dataset", "and", "--epochs", "50"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "on the training set" in proc.stdout


def test_plot_without_matplotlib_says_what_to_install(tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes "import matplotlib" fail
    with pytest.raises(SystemExit) as e:
        cli.main(["demo", "--plot", str(tmp_path / "x.png")])
    assert e.value.code == 1
    assert "pip install 'tinygrad_edu[examples]'" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


# ----- the real console script: Ctrl-C and a closed pipe -----

# Sets SIGINT back to its default, whatever the test process does with it, then becomes the
# console script (exec keeps that default), whose Python turns SIGINT into KeyboardInterrupt
# as in a terminal.
_EXEC_WITH_DEFAULT_SIGINT = ("import os, signal, sys; signal.signal(signal.SIGINT, "
                             "signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])")


def _start(*argv: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _EXEC_WITH_DEFAULT_SIGINT, str(SCRIPT), *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@posix_script
def test_ctrl_c_stops_cleanly_says_what_was_reached_and_exits_130():
    proc = _start("demo", "--epochs", "100000")
    try:
        lines = []
        while not (lines and lines[-1].startswith("epoch ")):  # training has begun
            lines.append(proc.stdout.readline())
            assert lines[-1], "the demo ended before training began"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    reached = re.search(r"interrupted after (\d+) of 100000 epochs: loss \d\.\d{4}  "
                        r"accuracy \d+\.\d%", out)
    assert reached and int(reached.group(1)) >= 1
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip() == "tinygrad-edu: interrupted"


@posix_script
def test_a_closed_pipe_ends_the_demo_quietly():
    proc = _start("demo", "--epochs", "100000")  # prints again at least every 2 seconds
    try:
        first = proc.stdout.readline()
        proc.stdout.close()  # what `| head -1` does after one line
        proc.wait(timeout=60)
        err = proc.stderr.read()
    finally:
        proc.kill()
    assert first.startswith("biopsy:")
    assert proc.returncode == cli.EXIT_BROKEN_PIPE and err == ""
