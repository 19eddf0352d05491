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
                          ylim: tuple[float, float]) -> None:
    """The line w·x + b = 0, and w as an arrow starting on it, both inside the view."""
    unit = w / np.linalg.norm(w)
    along = np.array([-unit[1], unit[0]])  # direction of the line
    foot = -b / (w @ w) * w  # the point of the line nearest the origin
    ax.axline(tuple(foot), tuple(foot + along), color="k", lw=1.5)
    lo, hi = np.array([xlim[0], ylim[0]]), np.array([xlim[1], ylim[1]])
    centre, size = (lo + hi) / 2, float(np.max(hi - lo))
    # Start the arrow at the point of the line nearest the view's centre from which the whole
    # arrow stays in view (shorter arrows if none does): w is a direction, anchored anywhere.
    starts = foot + (along @ (centre - foot) + np.linspace(-size, size, 401))[:, None] * along
    for length in (0.25 * size, 0.12 * size, 0.06 * size):
        tip = starts + 1.2 * length * unit  # room for the label past the arrow's head
        inside = np.all((starts >= lo) & (starts <= hi) & (tip >= lo) & (tip <= hi), axis=1)
        if inside.any():
            start = starts[inside][np.argmin(np.linalg.norm(starts[inside] - centre, axis=1))]
            ax.annotate("", xy=tuple(start + length * unit), xytext=tuple(start),
                        arrowprops={"arrowstyle": "->", "color": "#c0392b", "lw": 2})
            ax.text(*(start + 1.15 * length * unit), "w", color="#c0392b", fontsize=12)
            return
