"""The matplotlib pieces the pictures share (``tg.plot`` and its animation, ``animate.py``).

matplotlib is imported inside the functions, so ``tinygrad_edu`` itself never needs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .modes import no_grad
from .tensor import Tensor


def pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("tg.plot needs matplotlib: pip install 'tinygrad_edu[examples]' "
                          "(or pip install matplotlib)") from None
    return plt


def axes(ax: Any) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = pyplot().subplots(figsize=(6, 4))
    return fig, ax


def finish(fig: Any, path: str | Path | None) -> None:
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    pyplot().close(fig)


def weights_of(model: Any) -> tuple[np.ndarray, float] | None:
    """(w, b) of a one-output linear unit with 2 inputs (Neuron, Linear(2, 1)), else None."""
    for w_name, b_name in (("w", "b"), ("weight", "bias")):
        w, b = getattr(model, w_name, None), getattr(model, b_name, None)
        if isinstance(w, Tensor) and w.size == 2:
            bias = float(b.data.reshape(-1)[0]) if isinstance(b, Tensor) and b.size == 1 else 0.0
            return w.data.reshape(2).copy(), bias
    return None


def predict(model: Any, X: np.ndarray) -> np.ndarray:
    with no_grad():
        out = model(Tensor(X))
    return np.asarray(out.data if isinstance(out, Tensor) else out, dtype=float)


def line_and_normal(ax: Any, w: np.ndarray, b: float, xlim: tuple[float, float],
                    ylim: tuple[float, float], points: Any = None,
                    line_label: str | None = None) -> None:
    """The line w·x + b = 0, and w as an arrow starting on it and labelled "w".

    Arrow and label stay inside the view (xlim, ylim), and clear of ``points`` (the samples,
    shape (N, 2)) wherever the view leaves room: w is a direction, so it may start anywhere
    on the line. ``line_label`` names the line in the legend.
    """
    unit = w / np.linalg.norm(w)
    along = np.array([-unit[1], unit[0]])  # direction of the line
    foot = -b / (w @ w) * w  # the point of the line nearest the origin
    ax.axline(tuple(foot), tuple(foot + along), color="k", lw=1.5, label=line_label)
    lo, hi = np.array([xlim[0], ylim[0]]), np.array([xlim[1], ylim[1]])
    centre, size = (lo + hi) / 2, float(np.max(hi - lo))
    pts = np.empty((0, 2)) if points is None else np.asarray(points, float).reshape(-1, 2)
    # the label is a centred letter: 6 % of the view keeps a 12-pt "w" whole inside it
    margin, gap, clear = 0.06 * size, 0.07 * size, 0.1 * size
    starts = foot + (along @ (centre - foot) + np.linspace(-size, size, 401))[:, None] * along
    best: tuple[float, np.ndarray, np.ndarray, np.ndarray] | None = None
    for length in (0.25 * size, 0.15 * size, 0.08 * size):  # shorter only if it must be
        tips = starts + length * unit
        middle = starts + 0.5 * length * unit
        # where the label may go: past the head, or beside the shaft on either side
        spots = np.stack([tips + gap * unit, middle + gap * along, middle - gap * along], 1)
        fits = (_inside(starts, lo, hi, 0.0) & _inside(tips, lo, hi, 0.0))[:, None] \
            & _inside(spots, lo, hi, margin)
        if not fits.any():
            continue
        room = np.minimum(_distance_to_segments(pts, starts, tips)[:, None],
                          _nearest(pts, spots))
        # clear of the samples first, then near the view's centre, then the label past the head
        rank = np.linalg.norm(starts - centre, axis=1)[:, None] / size + [0.0, 0.3, 0.3]
        rank = np.where(fits, rank - 10.0 * np.minimum(room, clear) / clear, np.inf)
        s, k = np.unravel_index(int(np.argmin(rank)), rank.shape)
        if best is None or room[s, k] > best[0]:
            best = (float(room[s, k]), starts[s], tips[s], spots[s, k])
        if room[s, k] >= clear:
            break
    if best is not None:
        _, start, tip, spot = best
        ax.annotate("", xy=tuple(tip), xytext=tuple(start),
                    arrowprops={"arrowstyle": "->", "color": "#c0392b", "lw": 2})
        ax.text(*spot, "w", color="#c0392b", fontsize=12, ha="center", va="center")


def _inside(p: np.ndarray, lo: np.ndarray, hi: np.ndarray, margin: float) -> np.ndarray:
    """Which points p (..., 2) lie in the box [lo, hi] shrunk by ``margin`` on every side."""
    inside: np.ndarray = np.all((p >= lo + margin) & (p <= hi - margin), axis=-1)
    return inside


def _nearest(points: np.ndarray, spots: np.ndarray) -> np.ndarray:
    """For each spot (..., 2): the distance to the nearest point (inf when there are none)."""
    if len(points) == 0:
        return np.full(spots.shape[:-1], np.inf)
    nearest: np.ndarray = np.linalg.norm(spots[..., None, :] - points, axis=-1).min(axis=-1)
    return nearest


def _distance_to_segments(points: np.ndarray, starts: np.ndarray, ends: np.ndarray
                          ) -> np.ndarray:
    """For each segment starts[i] → ends[i]: the distance to the nearest point."""
    if len(points) == 0:
        return np.full(len(starts), np.inf)
    d = ends - starts
    rel = points[None, :, :] - starts[:, None, :]  # (segments, points, 2)
    along = np.clip(np.einsum("spk,sk->sp", rel, d) / np.einsum("sk,sk->s", d, d)[:, None],
                    0.0, 1.0)
    dist: np.ndarray = np.linalg.norm(rel - along[..., None] * d[:, None, :], axis=-1).min(axis=1)
    return dist
