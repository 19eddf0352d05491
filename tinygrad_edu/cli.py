"""The command line: ``tinygrad-edu demo`` (also ``python -m tinygrad_edu demo``).

The demo trains one sigmoid neuron, y = σ(w · x + b), with binary cross-entropy and
gradient descent on a built-in dataset, shows its progress, and prints loss and accuracy:

    tinygrad-edu demo                                # biopsy: breast-cancer data, 30 features
    tinygrad-edu demo --dataset and --epochs 300     # the AND gate
    tinygrad-edu demo --plot loss.png                # also save the loss and accuracy curves
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from . import __version__, datasets
from .explore import explore_demo
from .nn import Neuron
from .optim import SGD
from .train import History, binary_accuracy, fit, predict

# dataset -> (epochs, learning rate, batch size) that train it well in a second or two
DEFAULTS = {"biopsy": (100, 0.1, 32), "and": (1000, 1.0, None), "or": (1000, 1.0, None)}


def _whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: an int of at least ``minimum``, or a message saying what is wrong."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value




def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu",
        description="tinygrad_edu: a small autograd framework on numpy, written to be read.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="train one neuron on a built-in dataset and print loss and accuracy",
        description="Train one sigmoid neuron y = σ(w·x + b) with binary cross-entropy and "
        "gradient descent, and print its loss and accuracy.")
    demo.add_argument("--dataset", choices=sorted(DEFAULTS), default="biopsy",
                      help="biopsy: breast-cancer biopsies, 30 features, 80/20 split "
                      "(default); and / or: the logic gates")
    demo.add_argument("--epochs", type=_whole_number(1), help="passes over the training data "
                      "(default: 100 for biopsy, 1000 for the gates)")
    demo.add_argument("--lr", type=_positive_float,
                      help="learning rate (default: 0.1 for biopsy, 1.0 for the gates)")
    demo.add_argument("--seed", type=_whole_number(0), default=0,
                      help="seed of the split, the initial weights and the shuffling (default 0)")
    demo.add_argument("--plot", type=Path, metavar="PATH",
                      help="save the loss and accuracy curves to this picture (needs matplotlib)")
    explore = commands.add_parser(
        "explore", help="write the demo neuron's backprop explorer (an HTML page); print its path")
    explore.add_argument("-o", "--output", type=Path, default=Path("tinygrad_edu_explorer.html"),
                         help="where to write the page (default: tinygrad_edu_explorer.html)")
    return parser


def run_demo(dataset: str, epochs: int | None = None, lr: float | None = None, seed: int = 0,
             plot: Path | None = None) -> dict[str, float]:
    """Train and report; returns the final numbers (train loss/accuracy, test accuracy)."""
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
        print(f"{dataset.upper()} gate: inputs {X_tr.tolist()}, targets {t_tr.tolist()}")
    neuron = Neuron(X_tr.shape[1], "sigmoid", rng=seed)
    print(f"model: y = sigmoid(w . x + b), {X_tr.shape[1]} weights and a bias; binary "
          f"cross-entropy; gradient descent, lr {lr}, {epochs} epochs")
    history = fit(neuron, X_tr, t_tr, loss="binary_cross_entropy",
                  optimizer=SGD(neuron.parameters(), lr=lr), epochs=epochs,
                  batch_size=batch_size, rng=seed,
                  progress=True if sys.stdout.isatty() else "text")
    p_tr, p_te = predict(neuron, X_tr), predict(neuron, X_te)
    eps = 1e-12  # the logs below stay finite when a probability is exactly 0 or 1
    final_loss = float(-np.mean(t_tr * np.log(p_tr + eps) + (1 - t_tr) * np.log(1 - p_tr + eps)))
    result = {"loss": final_loss, "train_accuracy": binary_accuracy(p_tr, t_tr),
              "test_accuracy": binary_accuracy(p_te, t_te)}
    print(f"final training loss {result['loss']:.4f}, training accuracy "
          f"{result['train_accuracy']:.1%}")
    if dataset == "biopsy":
        print(f"test accuracy {result['test_accuracy']:.1%} on {len(X_te)} unseen biopsies")
    else:
        print(f"predictions {np.round(p_tr, 3).tolist()} -> {(p_tr >= 0.5).astype(int).tolist()}")
    if plot is not None:
        _plot_history(history, plot, title=f"one neuron on {dataset}")
        print(f"saved the training curves to {plot}")
    return result


def _plot_history(history: History, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # draw into a file, never open a window
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, history.epochs + 1)
    ax.plot(epochs, history.loss, label="loss (binary cross-entropy)")
    ax.plot(epochs, history.accuracy, label="accuracy")
    ax.set(xlabel="epoch", title=title, ylim=(0, max(1.05, max(history.loss) * 1.05)))
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``tinygrad-edu``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "explore":
        print(explore_demo(args.output).resolve())
        return 0
    if args.command != "demo":
        parser.print_help()
        return 2
    if args.plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            parser.exit(1, "tinygrad-edu demo: --plot needs matplotlib: pip install "
                        "'tinygrad_edu[examples]' (or pip install matplotlib)\n")
        if not args.plot.parent.is_dir():
            parser.exit(1, f"tinygrad-edu demo: --plot: directory {args.plot.parent} does "
                        "not exist\n")
    run_demo(args.dataset, args.epochs, args.lr, args.seed, args.plot)
    return 0
