"""tg.plot.animate_training: frames from a Recorder or (w, b) pairs, GIF / MP4 / one still."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import animation

import tinygrad_edu as tg
from tinygrad_edu import animate

X, T = tg.datasets.and_gate()
PAIRS = [([0.5, 1.0], -0.5), ([1.0, 1.0], -1.5), ([1.0, 2.0], -2.0)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def recorded() -> tg.Recorder:
    neuron = tg.nn.Neuron(2, "sigmoid", rng=0)
    rec = tg.Recorder(every=4)  # steps 0, 4, 8 of 12: few frames keep the test fast
    tg.fit(neuron, X, T, loss="binary_cross_entropy", epochs=6, batch_size=2, rng=0,
           optimizer=tg.optim.SGD(neuron.parameters(), lr=1.0), progress=False,
           callbacks=[rec])
    return rec


def test_a_gif_from_a_recorder_has_one_frame_per_step(tmp_path):
    rec = recorded()
    path = tmp_path / "training.gif"
    fig = tg.plot.animate_training(rec, X, T, path=path, hold=2)
    assert path.read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    from PIL import Image

    with Image.open(path) as im:  # Pillow merges identical frames: the held ones, at least
        assert 2 <= im.n_frames <= len(rec) == 3
    assert "step 8" in fig.axes[0].get_title()  # it ends on the last frame


def test_without_a_path_it_is_an_animation_to_show():
    anim = tg.plot.animate_training(PAIRS, X, T, hold=0)
    assert isinstance(anim, animation.FuncAnimation)
    assert anim.to_jshtml().count("data:image/png") == 3


def test_a_still_frame_shows_the_loss_up_to_that_step_only(tmp_path):
    rec = recorded()
    fig = tg.plot.animate_training(rec, X, T, path=tmp_path / "frame.png", frame=1)
    assert (tmp_path / "frame.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    steps, losses = fig.axes[1].lines[0].get_data()
    assert list(steps) == [0, 4] and list(losses) == rec.losses[:2]
    assert "step 4" in fig.axes[0].get_title()


def test_pairs_captions_and_highlight(tmp_path):
    fig = tg.plot.animate_training(PAIRS, X, T, losses=[2, 1, 0], captions=["a", "b", "c"],
                                   highlight=[None, 3, 0], path=tmp_path / "f.png", frame=1)
    assert fig.axes[0].get_title().endswith("\nb")
    # the ring around the highlighted sample (3: the point (1, 1)) is the last scatter
    ring = fig.axes[0].collections[-1]
    assert np.allclose(ring.get_offsets(), [[1.0, 1.0]])


def test_a_zero_weight_vector_draws_no_line(tmp_path):
    fig = tg.plot.animate_training([([0.0, 0.0], 1.0)], X, T, path=tmp_path / "f.png")
    assert any("no boundary" in text.get_text() for text in fig.axes[0].texts)


def test_mp4_without_ffmpeg_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    with pytest.raises(RuntimeError, match=r"needs ffmpeg.*\.gif"):
        tg.plot.animate_training(PAIRS, X, T, path=tmp_path / "a.mp4")
    assert not (tmp_path / "a.mp4").exists()


@pytest.mark.skipif(not animation.writers.is_available("ffmpeg"), reason="ffmpeg not installed")
def test_mp4_with_ffmpeg(tmp_path):
    tg.plot.animate_training(PAIRS, X, T, path=tmp_path / "a.mp4")
    assert (tmp_path / "a.mp4").stat().st_size > 1000


@pytest.mark.parametrize("kwargs, message", [
    ({"losses": [1.0]}, "losses has 1 entries for 3 frames"),
    ({"captions": ["a"]}, "captions has 1 entries"),
    ({"path": "x.txt"}, "cannot save 'x.txt'"),
    ({"path": "x.png", "frame": 3}, "frame 3 does not exist; there are 3 frames"),
])
def test_wrong_arguments_are_named(kwargs, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=message):
        tg.plot.animate_training(PAIRS, X, T, **kwargs)


def test_wrong_data_and_sources_are_named():
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        tg.plot.animate_training(PAIRS, np.zeros((4, 3)), T)
    with pytest.raises(ValueError, match="w must have 2 elements"):
        tg.plot.animate_training([([1.0, 2.0, 3.0], 0.0)], X, T)
    with pytest.raises(TypeError, match="frame 0 must be a pair"):
        tg.plot.animate_training([1.0], X, T)
    with pytest.raises(ValueError, match="there are no frames"):
        tg.plot.animate_training([], X, T)
    with pytest.raises(ValueError, match="holds no parameter values"):
        tg.plot.animate_training(tg.Recorder(), X, T)


def test_a_recorder_without_the_named_parameters_lists_what_it_has():
    rec = tg.Recorder()
    w = tg.Tensor([1.0, 2.0], requires_grad=True, name="u")
    (w * w).sum().backward()
    rec.on_backward([w], 0.5)
    with pytest.raises(ValueError, match=r"it has u\)"):
        tg.plot.animate_training(rec, X, T)


def test_a_linear_layers_weight_and_bias_are_found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    layer = tg.nn.Linear(2, 1, "sigmoid", rng=0)
    rec = tg.Recorder()
    rec.on_backward(layer, 0.5)
    fig = tg.plot.animate_training(rec, X, T, path="f.png")
    assert fig.axes[0].lines  # the line w·x + b = 0 of the layer's weight and bias


def test_docstring_example():
    assert doctest.testmod(animate).failed == 0
