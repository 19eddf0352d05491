"""``tinygrad-edu demo``: one sigmoid neuron learns a built-in dataset, and says how it went.

The neuron computes y = σ(w · x + b) and is trained with binary cross-entropy by
gradient descent (mini-batches for the biopsies, the whole truth table for a gate). The
numbers printed during and after training are measured the same way: ``F.binary_cross_entropy``
for the loss, the fraction of right answers at threshold 0.5 for the accuracy. The biopsies
are split 80/20 (seeded, so the same seed gives the same split) and the 20 % held out are
the test set; a gate's four rows are all there is, so they are its training and test set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from . import datasets
from . import functional as F
from .modes import no_grad
from .nn import Neuron
from .optim import SGD
from .progress import summary
from .tensor import Tensor
from .train import History, binary_accuracy, fit

# dataset -> (epochs, learning rate, batch size) that train it well in a second or two
DEFAULTS: dict[str, tuple[int, float, int | None]] = {
    "biopsy": (100, 0.1, 32), "and": (1000, 1.0, None), "or": (1000, 1.0, None),
    "xor": (1000, 1.0, None),
}


# dataset -> what the picture's title calls it
DESCRIPTIONS = {"biopsy": "breast-cancer biopsies (30 features)", "and": "the AND gate",
                "or": "the OR gate", "xor": "the XOR gate"}


class _Curves:
    """A ``fit`` callback for the picture: loss and accuracy on the training set and on the
    test set after each epoch, measured as the final numbers are (``_measure``)."""

    def __init__(self, neuron: Neuron, train: tuple[np.ndarray, np.ndarray],
                 test: tuple[np.ndarray, np.ndarray]) -> None:
        self.neuron, self.sets = neuron, {"train": train, "test": test}
        self.values: dict[str, list[tuple[float, float]]] = {"train": [], "test": []}

    def on_epoch_end(self, epoch: int, history: History) -> None:
        for name, (X, t) in self.sets.items():
            self.values[name].append(_measure(self.neuron, X, t))


class _Reached:
    """A ``fit`` callback that keeps the history, so an interrupted run can say how far it got."""

    def __init__(self) -> None:
        self.history = History()

    def on_epoch_end(self, epoch: int, history: History) -> None:
        self.history = history


def run_demo(dataset: str, epochs: int | None = None, lr: float | None = None, seed: int = 0,
             plot: Path | None = None) -> dict[str, float]:
    """Train and report; returns the final numbers (train loss/accuracy, test accuracy).

    ``plot``: where to save the loss and accuracy curves (its suffix already checked).
    Ctrl-C stops the training: what was reached is printed and KeyboardInterrupt re-raised.
    """
    default_epochs, default_lr, batch_size = DEFAULTS[dataset]
    epochs, lr = epochs or default_epochs, lr or default_lr
    if dataset == "biopsy":
        ds = datasets.breast_cancer()
        X_tr, X_te, t_tr, t_te = datasets.train_test_split(ds.data, ds.target, rng=seed)
        X_tr, X_te = datasets.standardize(X_tr, X_te)  # test set scaled with train statistics
        print(f"biopsy: {len(X_tr)} training and {len(X_te)} test samples, {X_tr.shape[1]} "
              "features (standardised); target 1 = malignant")
    else:
        X_tr, t_tr = datasets.logic_gate(dataset)
        X_te, t_te = X_tr, t_tr  # four rows: the truth table is the whole world
        print(f"{dataset.upper()} gate: inputs {X_tr.astype(int).tolist()}, targets "
              f"{t_tr.astype(int).tolist()}")
        if dataset == "xor":
            print("no straight line separates XOR's two classes, so one neuron cannot learn it: "
                  "expect at most 75% accuracy")
    neuron = Neuron(X_tr.shape[1], "sigmoid", rng=seed)
    method = (f"mini-batch gradient descent (batches of {batch_size})" if batch_size
              else f"full-batch gradient descent (all {len(X_tr)} rows per step)")
    print(f"model: y = sigmoid(w . x + b), {X_tr.shape[1]} weights and a bias; binary "
          f"cross-entropy; {method}, lr {lr:g}, {epochs} epochs")
    print("each epoch shows its mean over the batches, each measured before its update")
    reached = _Reached()
    curves = _Curves(neuron, (X_tr, t_tr), (X_te, t_te))
    try:
        fit(neuron, X_tr, t_tr, loss="binary_cross_entropy",
            optimizer=SGD(neuron.parameters(), lr=lr), epochs=epochs, batch_size=batch_size,
            rng=seed, callbacks=[reached] + ([curves] if plot is not None else []),
            progress=True if sys.stdout.isatty() else "text")
    except KeyboardInterrupt:
        h = reached.history
        last = f": {summary(h.loss[-1], h.accuracy[-1])}" if h.loss else ""
        print(f"\ninterrupted after {h.epochs} of {epochs} epochs{last}", flush=True)
        raise
    train_loss, train_acc = _measure(neuron, X_tr, t_tr)
    test_loss, test_acc = _measure(neuron, X_te, t_te)
    print(f"after {epochs} epochs, on the training set: {summary(train_loss, train_acc)}")
    if dataset == "biopsy":
        print(f"on the {len(X_te)} unseen test biopsies: {summary(test_loss, test_acc)}")
    else:
        with no_grad():
            p = neuron(X_tr).numpy()
        print(f"predictions {np.round(p, 3).tolist()} -> {(p >= 0.5).astype(int).tolist()}")
    if plot is not None:
        held_out = f"test set ({len(X_te)} biopsies held out)" if dataset == "biopsy" else None
        plot_curves(curves.values, plot, f"one sigmoid neuron, y = σ(w·x + b), trained on "
                    f"{DESCRIPTIONS[dataset]}", held_out)
        print(f"saved the training curves to {plot}")
    return {"loss": train_loss, "train_accuracy": train_acc, "test_accuracy": test_acc}


def _measure(neuron: Neuron, X: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """(loss, accuracy) of the trained neuron: the same loss function as training used."""
    with no_grad():
        p = neuron(Tensor(X))
        return F.binary_cross_entropy(p, Tensor(t)).item(), binary_accuracy(p.data, t)


def plot_curves(values: dict[str, list[tuple[float, float]]], path: Path, title: str,
                held_out: str | None) -> Any:
    """Loss and accuracy per epoch, on the training set and (``held_out``: its legend
    entry) on the test set; None when the training rows are the test set too (a gate).
    Saved to ``path``; returns the (closed) Figure."""
    import matplotlib

    matplotlib.use("Agg")  # draw into a file, never open a window
    import matplotlib.pyplot as plt

    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4))
    train = "training set" if held_out else "the 4 rows (the training and the test set)"
    for name, label, style in (("train", train, "-"), ("test", held_out, "--")):
        if label is None:
            continue
        loss, accuracy = np.array(values[name]).T
        epochs = np.arange(1, len(loss) + 1)
        loss_ax.plot(epochs, loss, style, label=label)
        acc_ax.plot(epochs, 100 * accuracy, style, label=label)
    loss_ax.set(xlabel="epoch", ylabel="binary cross-entropy", title="loss after each epoch")
    loss_ax.set_ylim(bottom=0)
    acc_ax.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy after each epoch",
               ylim=(0, 102))
    for ax, corner in ((loss_ax, "upper right"), (acc_ax, "lower right")):  # clear of curves
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc=corner)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, format=path.suffix.lstrip(".").lower())
    plt.close(fig)
    return fig


def plot_formats() -> list[str]:
    """The picture formats matplotlib can write here (pgf is left out: it needs LaTeX)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return sorted(set(FigureCanvasBase.get_supported_filetypes()) - {"pgf"})


def picture_path(text: str, formats: list[str]) -> tuple[Path | None, str]:
    """``(path to write, "")`` for ``--plot TEXT``, or ``(None, what is wrong)``.

    A name without a suffix gets ``.png`` (matplotlib's default, said where it is written);
    a directory, or a name ending in a separator, is refused.
    """
    path = Path(text)
    if text.endswith(("/", "\\")) or path.name in ("", ".", "..") or path.is_dir():
        return None, (f"{text!r} is a directory; give a file name, such as "
                      f"{str(path / 'curves.png')!r}")
    suffix = path.suffix.lower().lstrip(".")
    if not suffix:
        path = path.with_name(path.name + ".png")
    elif suffix not in formats:
        return None, (f"cannot save a picture as .{suffix}; end the name with one of "
                      f"{', '.join('.' + f for f in formats)}")
    return path, ""


def check_writable(path: Path) -> str:
    """What stops ``path`` from being written ("" when nothing does), checked up front."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        return f"directory {str(directory)!r} does not exist"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"cannot write into directory {str(directory)!r} (permission denied)"
    if path.exists() and not os.access(path, os.W_OK):
        return f"cannot overwrite {str(path)!r} (permission denied)"
    return ""
