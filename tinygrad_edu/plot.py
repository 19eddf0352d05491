"""Pictures of training with matplotlib (the ``examples`` extra): ``import tinygrad_edu as tg``,
then ``tg.plot.loss_curve(rec)``, ``tg.plot.decision_boundary(neuron, X, t)``,
``tg.plot.activations()``, ``tg.plot.trajectories(rec)``, ``tg.plot.weight_path(rec, "w")``.

matplotlib is imported inside each function, so ``tinygrad_edu`` itself never needs it.
Every helper takes ``path=``: the figure is then saved there (format from the suffix) and
closed; without it the figure stays open, to show in a notebook or with ``plt.show()``.
One-panel helpers take ``ax=`` to draw into an existing Axes and return the Axes;
many-panel helpers return the Figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .animate import animate_training  # tg.plot.animate_training; its own module (animate.py)
from .drawing import axes, finish, line_and_normal, predict, pyplot, weights_of
from .nn.layers import ACTIVATIONS
from .recorder import Recorder
from .tensor import Tensor

__all__ = ["activations", "animate_training", "decision_boundary", "loss_curve", "trajectories",
           "weight_path"]

# softmax mixes the elements of its input: it has no curve y = f(x) to draw
CURVES = [name for name in ACTIVATIONS if name != "softmax"]


def loss_curve(source: Any, *, ax: Any = None, path: str | Path | None = None,
               log: bool = False, title: str = "loss") -> Any:
    """Plot the loss against the step: from a ``Recorder`` (one point per recorded step, epoch
    ends marked when epochs have several steps), a ``fit`` ``History`` (one point per epoch) or
    a list of numbers.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import tinygrad_edu as tg
    >>> ax = tg.plot.loss_curve([1.0, 0.5, 0.3, 0.2])
    >>> ax.get_xlabel()
    'step'
    """
    fig, ax = axes(ax)
    ends: list[int] = []
    if isinstance(source, Recorder):
        x, y, xlabel = source.steps, source.losses, "step"
        if len(x) >= 2 * len(source.epoch_ends):  # one step per epoch: lines would be clutter
            ends = [k for k in source.epoch_ends[:-1] if 0 < k < len(x)]
    elif hasattr(source, "loss") and not isinstance(source, np.ndarray):
        y = list(source.loss)
        x, xlabel = list(range(1, len(y) + 1)), "epoch"
    else:
        y = [float(v) for v in np.asarray(source, dtype=float).reshape(-1)]
        x, xlabel = list(range(len(y))), "step"
    ax.plot(x, y, marker="." if len(y) <= 50 else None, lw=1.5)
    for k in ends:  # a faint line where each epoch ended
        ax.axvline(x[k] - 0.5, color="0.85", lw=0.8, zorder=0)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    finish(fig, path)
    return ax


def decision_boundary(model: Any, X: Any, t: Any, *, ax: Any = None,
                      path: str | Path | None = None, threshold: float | None = None,
                      weights: tuple[Any, Any] | None = None, resolution: int = 200,
                      title: str = "decision boundary") -> Any:
    """Shade where a 2-D classifier says 1 or 0, draw the samples and the weight vector.

    ``model(Tensor (M, 2))`` gives one output per row (shape (M,) or (M, 1)), or (M, K)
    class scores (the regions are then the argmax). The boundary is output = ``threshold``
    (None: 0.5 for outputs in [0, 1], else 0). For a linear unit (a Neuron, a Linear(2, 1)
    or ``weights=(w, b)``) the line w·x + b = 0 and the vector w, normal to it and pointing
    to the side it calls 1, are drawn too.
    """
    X = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=float)
    t = np.asarray(t.data if isinstance(t, Tensor) else t).reshape(len(X), -1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have shape (N, 2), got {X.shape}")
    labels = t.argmax(axis=1) if t.shape[1] > 1 else t[:, 0]
    wb = (np.asarray(weights[0], float).reshape(2), float(weights[1])) if weights else \
        weights_of(model)
    if wb is not None and not np.linalg.norm(wb[0]) > 0:
        wb = None  # w = 0: no line, no direction
    fig, ax = axes(ax)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.15 * np.maximum(hi - lo, 1e-9)
    g0, g1 = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
    out = predict(model, np.column_stack([g0.ravel(), g1.ravel()]))
    out = out.reshape(len(out), -1)
    if out.shape[1] > 1:  # class scores: regions of the winning class
        ax.contourf(g0, g1, out.argmax(axis=1).reshape(g0.shape), alpha=0.25, cmap="tab10")
    else:
        z = out[:, 0].reshape(g0.shape)
        if threshold is None:
            threshold = 0.5 if z.min() >= 0 and z.max() <= 1 else 0.0
        ax.contourf(g0, g1, z >= threshold, levels=[-0.5, 0.5, 1.5], colors=["#cfe2f3", "#f6d5c3"],
                    alpha=0.8)
        if z.min() < threshold <= z.max() and wb is None:  # a linear unit: line drawn exactly below
            ax.contour(g0, g1, z, levels=[threshold], colors="k", linewidths=1.2)
    for i, cls in enumerate(np.unique(labels)):  # markers repeat after 8 classes; colours differ
        marker = "o^sDv<>p"[i % 8]
        pick = labels == cls
        ax.scatter(X[pick, 0], X[pick, 1], marker=marker, edgecolor="k", label=f"t = {cls:g}")
    if wb is not None:
        line_and_normal(ax, wb[0], wb[1], (g0.min(), g0.max()), (g1.min(), g1.max()), X)
        ax.set_aspect("equal")  # right angles look right: w is drawn normal to the line
    ax.set_xlim(g0.min(), g0.max())
    ax.set_ylim(g1.min(), g1.max())
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    finish(fig, path)
    return ax


def activations(names: Sequence[str] = ("identity", "step", "sign", "sigmoid", "tanh", "relu",
                                        "leaky_relu"),
                *, x_range: tuple[float, float] = (-4.0, 4.0),
                path: str | Path | None = None) -> Any:
    """Each activation f and its derivative f', the derivative computed by ``backward()``;
    by default the lecture's identity (linear), step, sign, sigmoid and tanh, then relu and
    leaky_relu. ``names``: any of ``CURVES`` (the activations of ``tg.nn``, but softmax)."""
    unknown = [n for n in names if n not in CURVES]
    if unknown:
        raise ValueError(f"activations: unknown {unknown}; known: {', '.join(CURVES)} "
                         "(softmax has no curve of one variable)")
    plt = pyplot()
    # 4 reads best as 2 × 2, 7 and 8 as two rows of 4; else rows of up to 3
    cols = {4: 2, 7: 4, 8: 4}.get(len(names), min(3, len(names)))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    xs = np.linspace(*x_range, 401)
    for ax, name in zip(axes.ravel(), names, strict=False):  # the grid's spare axes: hidden
        x = Tensor(xs, requires_grad=True)
        y = ACTIVATIONS[name](x)
        y.sum().backward()  # d(Σ f(xᵢ))/dxᵢ = f'(xᵢ): one backward gives f' everywhere
        ax.plot(xs, y.data, lw=2, label="f(x)")
        grad = x.grad if x.grad is not None else np.zeros_like(xs)
        ax.plot(xs, grad, lw=1.5, ls="--", label="f′(x)")
        ax.set_title(name)
        ax.axhline(0, color="0.7", lw=0.6)
        ax.axvline(0, color="0.7", lw=0.6)
        ax.legend(fontsize=8)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.tight_layout()
    finish(fig, path)
    return fig


def trajectories(rec: Recorder, names: Sequence[str] | None = None, *, max_lines: int = 8,
                 path: str | Path | None = None) -> Any:
    """Per parameter (a column each): its values, its gradient and the update size ‖Δ‖
    against the step (at most ``max_lines`` elements drawn per parameter)."""
    names = list(names) if names is not None else list(rec.params)
    if not names:
        raise ValueError("trajectories: the recorder holds no parameter values (was it used, "
                         "with keep_values=True?)")
    plt = pyplot()
    fig, axes = plt.subplots(3, len(names), figsize=(4 * len(names), 7.5), squeeze=False,
                             sharex=True)
    for col, name in enumerate(names):
        values = rec.series("params", name).reshape(len(rec), -1)
        grads = rec.series("grads", name).reshape(len(rec), -1)
        for j in range(min(max_lines, values.shape[1])):
            label = f"{name}[{j}]" if values.shape[1] > 1 else name
            axes[0, col].plot(rec.steps, values[:, j], label=label)
            axes[1, col].plot(rec.steps, grads[:, j], label=label)
        sizes = rec.update_sizes.get(name, [])
        axes[2, col].plot(rec.steps[:len(sizes)], sizes, color="0.3")
        if sizes and min(sizes) > 0:
            axes[2, col].set_yscale("log")
        axes[0, col].set_title(name)
        axes[0, col].legend(fontsize=7)
        axes[2, col].set_xlabel("step")
    axes[0, 0].set_ylabel("value")
    axes[1, 0].set_ylabel("gradient")
    axes[2, 0].set_ylabel("update size ‖Δ‖")
    fig.tight_layout()
    finish(fig, path)
    return fig


def weight_path(rec: Recorder, name: str, *, ax: Any = None, path: str | Path | None = None,
                every: int = 1) -> Any:
    """The path of a 2-element parameter through weight space, with the negative gradient
    (the direction gradient descent goes) drawn at every ``every``-th step."""
    values = rec.series("params", name)
    if values[0].size != 2:
        raise ValueError(f"weight_path: {name!r} has {values[0].size} elements; the path is "
                         "drawn for a parameter of exactly 2")
    values = values.reshape(len(rec), 2)
    grads = rec.series("grads", name).reshape(len(rec), 2)[::every]
    fig, ax = axes(ax)
    ax.plot(values[:, 0], values[:, 1], "-", color="0.4", lw=1)
    ax.scatter(values[:, 0], values[:, 1], c=rec.steps, cmap="viridis", s=12, zorder=3)
    ax.quiver(values[::every, 0], values[::every, 1], -grads[:, 0], -grads[:, 1],
              color="#c0392b", angles="xy", width=0.004, alpha=0.7)
    ax.set_xlabel(f"{name}[0]")
    ax.set_ylabel(f"{name}[1]")
    ax.set_title(f"path of {name} (arrows: −gradient)")
    finish(fig, path)
    return ax
