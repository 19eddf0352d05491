"""Training as a moving picture: a linear unit's decision boundary, and its weight vector w,
at every recorded step, beside the loss so far. Reached as ``tg.plot.animate_training``.

A frame is one (w, b) of a unit with two inputs: the line w·x + b = 0 splits the plane into
the side it calls 1 (w·x + b >= 0, which w points into) and the side it calls 0. The frames
come from a ``Recorder`` (kept by ``tg.fit(..., callbacks=[rec])`` or a hand-written loop)
or from a list of (w, b) pairs written by hand, e.g. one per correction of the perceptron
rule. Saved as a GIF (matplotlib's animation with Pillow), an MP4 (when ffmpeg is installed)
or, for a slide or a quick look, one frame as a PNG.

matplotlib is imported inside the function, as in ``tinygrad_edu.plot`` (drawing.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .drawing import finish, line_and_normal, pyplot
from .recorder import Recorder
from .tensor import Tensor

__all__ = ["animate_training"]

_COLOURS = ("#cfe2f3", "#f6d5c3")  # the side called 0, the side called 1 (as decision_boundary)
_STILL = (".png", ".svg", ".pdf")


def _frames_from(source: Any, weight: str, bias: str) -> tuple[list[tuple[np.ndarray, float]],
                                                                 list[float] | None, list[int]]:
    """(w, b) per frame, the recorded losses (or None) and the step numbers."""
    if isinstance(source, Recorder):
        if not source.params:
            raise ValueError("animate_training: the recorder holds no parameter values (was it "
                             "used, with keep_values=True?)")
        names = (weight, bias) if weight in source.params else ("weight", "bias")
        if names[0] not in source.params or names[1] not in source.params:
            raise ValueError(f"animate_training: no parameters {weight!r} and {bias!r} in the "
                             f"recorder (it has {', '.join(source.params)}); pass weight= and "
                             "bias= with the names of a 2-input unit's weights and bias")
        ws, bs = source.params[names[0]], source.params[names[1]]
        frames = [(np.asarray(w, float).reshape(-1), float(np.asarray(b).reshape(-1)[0]))
                  for w, b in zip(ws, bs, strict=True)]
        return frames, list(source.losses), list(source.steps)
    frames = []
    for k, item in enumerate(source):
        try:
            w, b = item
        except (TypeError, ValueError):
            raise TypeError(f"animate_training: frame {k} must be a pair (w, b), got "
                            f"{type(item).__name__}") from None
        w = w.data if isinstance(w, Tensor) else w
        b = b.data if isinstance(b, Tensor) else b
        frames.append((np.asarray(w, float).reshape(-1), float(np.asarray(b).reshape(-1)[0])))
    return frames, None, list(range(len(frames)))


def animate_training(source: Recorder | Sequence[Any], X: Any, t: Any, *,
                     losses: Sequence[float] | None = None, loss_label: str = "loss",
                     captions: Sequence[str] | None = None,
                     highlight: Sequence[int | None] | None = None,
                     path: str | Path | None = None, fps: int = 3, hold: int = 4,
                     frame: int = -1, weight: str = "w", bias: str = "b",
                     step_label: str = "step", axis_labels: Sequence[str] = ("x₁", "x₂"),
                     class_names: Sequence[str] = ("t = 0", "t = 1"),
                     title: str = "training") -> Any:
    """Animate the line w·x + b = 0 and the arrow w, one frame per recorded step, with the
    loss up to that step; the previous frame's line stays as a faint dashed ghost.

    - ``source``: a ``Recorder`` holding a 2-input unit's weight and bias (names ``weight``
      and ``bias``, default ``"w"``/``"b"``, also found as ``"weight"``/``"bias"``; losses
      and step numbers come with it), or a sequence of ``(w, b)`` pairs.
    - ``X`` (N, 2) and ``t`` (N,) 0/1: the samples drawn in every frame.
    - ``losses``: one number per frame (default: the recorder's losses; none for pairs);
      ``loss_label`` and ``step_label`` name the axes of its curve.
    - ``axis_labels``: the two features' names; ``class_names``: of t = 0 and t = 1.
    - ``captions``: one title per frame (default ``"step k"``); ``highlight``: per frame the
      index of a sample to ring (e.g. the mistake that frame corrected), or None.
    - ``path``: ``.gif`` (Pillow), ``.mp4`` (needs ffmpeg) or ``.png``/``.svg``/``.pdf``
      (the single frame ``frame``, default the last); None saves nothing.
    - ``fps`` frames per second; the last frame is shown ``hold`` extra times.

    Without a path, returns the matplotlib ``FuncAnimation`` (show it in a notebook with
    ``IPython.display.HTML(anim.to_jshtml())``); with one, saves and returns the Figure
    (closed, showing the frame drawn last).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import tinygrad_edu as tg
    >>> X, t = tg.datasets.and_gate()
    >>> frames = [([0.5, 1.0], -0.5), ([1.0, 1.0], -1.5)]      # (w, b) at each step
    >>> anim = tg.plot.animate_training(frames, X, t, losses=[1, 0], hold=0)
    >>> html = anim.to_jshtml()                                # renders both frames
    >>> html.count("data:image/png")
    2
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    pyplot()  # the clear "needs matplotlib" message, if it is missing
    suffix = Path(path).suffix.lower() if path is not None else ""
    _check_path(path, suffix)
    frames, recorded, steps = _frames_from(source, weight, bias)
    X = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=float)
    t = np.asarray(t.data if isinstance(t, Tensor) else t, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2 or len(t) != len(X):
        raise ValueError(f"animate_training: X must have shape (N, 2) and t shape (N,), got "
                         f"{X.shape} and {t.shape}")
    if not frames:
        raise ValueError("animate_training: there are no frames (the recorder is empty)")
    if any(w.shape != (2,) for w, _ in frames):
        raise ValueError(f"animate_training: w must have 2 elements (a unit with two inputs), "
                         f"got {frames[0][0].size}")
    losses = recorded if losses is None else [float(v) for v in losses]
    if suffix in _STILL and not -len(frames) <= frame < len(frames):
        raise ValueError(f"animate_training: frame {frame} does not exist; there are "
                         f"{len(frames)} frames")
    for name, seq in (("losses", losses), ("captions", captions), ("highlight", highlight)):
        if seq is not None and len(seq) != len(frames):
            raise ValueError(f"animate_training: {name} has {len(seq)} entries for "
                             f"{len(frames)} frames; give one per frame")

    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.25 * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad, hi + pad
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 160), np.linspace(lo[1], hi[1], 160))
    fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(10, 4.6),
                                      gridspec_kw={"width_ratios": [1.15, 1]})
    # fixed margins (not tight_layout): every frame must fit the same canvas, titles of two
    # lines above and the legend below included
    fig.subplots_adjust(left=0.07, right=0.97, bottom=0.2, top=0.86, wspace=0.3)
    curve = None
    if losses is not None:
        span = max(losses) - min(losses) or 1.0
        margin = 0.03 * max(steps[-1] - steps[0], 1)
        ax_loss.set(xlim=(steps[0] - margin, steps[-1] + margin), xlabel=step_label,
                    ylabel=loss_label, title=f"{loss_label} so far",
                    ylim=(min(losses) - 0.05 * span, max(losses) + 0.05 * span))
        ax_loss.grid(alpha=0.3)
        ax_loss.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
        (curve,) = ax_loss.plot([], [], "-o", ms=3, lw=1.5, color="#2c3e50")
    else:
        ax_loss.set_visible(False)

    def draw(k: int) -> list[Any]:
        w, b = frames[k]
        ax.clear()
        z = w[0] * g0 + w[1] * g1 + b
        ax.contourf(g0, g1, z >= 0, levels=[-0.5, 0.5, 1.5], colors=_COLOURS, alpha=0.8)
        for cls, marker in ((0.0, "o"), (1.0, "^")):
            pick = t == cls
            ax.scatter(X[pick, 0], X[pick, 1], marker=marker, edgecolor="k", zorder=3,
                       s=60 if len(X) <= 20 else 14, label=class_names[int(cls)])
        if k > 0 and np.linalg.norm(frames[k - 1][0]) > 0:  # where the line was a step ago
            wp, bp = frames[k - 1]
            ax.contour(g0, g1, wp[0] * g0 + wp[1] * g1 + bp, levels=[0.0], colors="0.45",
                       linestyles="--", linewidths=1)
        if np.linalg.norm(w) > 0:
            line_and_normal(ax, w, b, (lo[0], hi[0]), (lo[1], hi[1]), X)
        else:
            ax.text(0.5, 0.5, "w = 0: no boundary", transform=ax.transAxes, ha="center")
        if highlight is not None and highlight[k] is not None:
            ax.scatter(*X[highlight[k]], s=380, facecolors="none", edgecolors="#c0392b",
                       linewidths=2.5, zorder=4)
        ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]), aspect="equal", xlabel=axis_labels[0],
               ylabel=axis_labels[1])
        caption = captions[k] if captions is not None else f"step {steps[k]}"
        ax.set_title(f"{title}\n{caption}", fontsize=10)
        handles = ax.get_legend_handles_labels()[0] + [
            Line2D([], [], color="k", lw=1.5, label="w·x + b = 0"),
            Line2D([], [], color="0.45", ls="--", lw=1, label="previous frame")]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4,
                  fontsize=8, frameon=False)
        if curve is not None and losses is not None:
            curve.set_data(steps[:k + 1], losses[:k + 1])
        return []

    if path is None:  # to be shown, e.g. in a notebook
        order = list(range(len(frames))) + [len(frames) - 1] * max(0, hold)
        return animation.FuncAnimation(fig, draw, frames=order, interval=1000 / fps,
                                       repeat=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in _STILL:  # one frame, e.g. for a slide
        draw(frame % len(frames))
        finish(fig, path)
        return fig
    # The writer's own loop, not FuncAnimation.save: that one draws every frame twice
    writer = (animation.PillowWriter(fps=fps) if suffix == ".gif"
              else animation.FFMpegWriter(fps=fps))  # .mp4, ffmpeg present: _check_path
    with writer.saving(fig, str(path), dpi=80 if suffix == ".gif" else 100):
        for k in range(len(frames)):
            draw(k)
            writer.grab_frame()
        for _ in range(max(0, hold)):  # the end stays on screen a little longer
            writer.grab_frame()
    plt.close(fig)
    return fig


def _check_path(path: str | Path | None, suffix: str) -> None:
    """Refuse a path that cannot be written before anything is drawn."""
    from matplotlib import animation

    if path is None or suffix in (*_STILL, ".gif"):
        return
    if suffix != ".mp4":
        raise ValueError(f"animate_training: cannot save {str(path)!r}: use a .gif or .mp4 "
                         f"path for the animation, or {'/'.join(_STILL)} for one frame")
    if not animation.writers.is_available("ffmpeg"):
        raise RuntimeError(f"animate_training: writing {str(path)!r} needs ffmpeg, which is "
                           "not installed; save a .gif instead (Pillow, installed with "
                           "matplotlib), or install ffmpeg")
