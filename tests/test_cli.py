"""Tests for the command line: ``tinygrad-edu demo`` and ``python -m tinygrad_edu demo``."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

from tinygrad_edu import cli

ROOT = Path(__file__).resolve().parents[1]


def test_demo_biopsy_trains_and_reports(capsys):
    assert cli.main(["demo", "--epochs", "30"]) == 0
    out = capsys.readouterr().out
    assert "biopsy: 455 training and 114 test samples" in out
    loss = float(re.search(r"final training loss (\d+\.\d+)", out).group(1))
    test_acc = float(re.search(r"test accuracy (\d+\.\d+)%", out).group(1))
    assert loss < 0.15 and test_acc >= 95.0
    assert "epoch 30/30" in out  # progress lines when stdout is not a terminal


@pytest.mark.parametrize("gate, predictions", [("and", "[0, 0, 0, 1]"), ("or", "[0, 1, 1, 1]")])
def test_demo_gates(capsys, gate, predictions):
    assert cli.main(["demo", "--dataset", gate, "--lr", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert f"{gate.upper()} gate" in out and "training accuracy 100.0%" in out
    assert out.rstrip().endswith(predictions)


def test_demo_result_numbers():
    result = cli.run_demo("biopsy", epochs=20, seed=1)
    assert set(result) == {"loss", "train_accuracy", "test_accuracy"}
    assert result["train_accuracy"] >= 0.95 and result["test_accuracy"] >= 0.9


def test_demo_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    assert cli.main(["demo", "--dataset", "or", "--epochs", "20", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"saved the training curves to {path}" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["demo", "--dataset", "xor"], "invalid choice: 'xor'"),
    (["demo", "--epochs", "0"], "--epochs: must be at least 1"),
    (["demo", "--epochs", "ten"], "--epochs: expected a whole number"),
    (["demo", "--lr", "-1"], "--lr: must be a positive number"),
    (["demo", "--seed", "-2"], "--seed: must be at least 0"),
    (["train"], "invalid choice: 'train'"),
])
def test_bad_arguments_are_argparse_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_plot_into_missing_directory_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    with pytest.raises(SystemExit) as e:
        cli.main(["demo", "--plot", str(tmp_path / "no" / "such" / "dir.png")])
    assert e.value.code == 1 and "does not exist" in capsys.readouterr().err


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
    assert "training accuracy" in proc.stdout


def test_plot_without_matplotlib_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes "import matplotlib" fail
    with pytest.raises(SystemExit) as e:
        cli.main(["demo", "--plot", str(tmp_path / "x.png")])
    assert e.value.code == 1
    assert "pip install 'tinygrad_edu[examples]'" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
