"""04 — Biopsy: one sigmoid neuron tells malignant from benign breast masses.

The Wisconsin breast-cancer table (shipped with tinygrad_edu): 569 biopsies, 30 measured
features each, target 1 = malignant. One neuron, p = σ(w · x + b), reads p as the
probability of "malignant" and learns by minimising the binary cross-entropy

    E = −(1/N) Σₙ [tₙ ln pₙ + (1 − tₙ) ln(1 − pₙ)],     dE/dz = (p − t)/N   (z = w·x + b).

The features have very different scales (areas in the hundreds, fractal dimensions near
0.06), so each one is standardised with the mean and spread of the training part only.
Five different 80/20 splits show how much the test accuracy depends on the split.

    python examples/04_biopsy.py [--epochs 100] [--lr 0.1] [--splits 5] [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu.cli import StopIfDiverged, script_parser, whole_number_type
from tinygrad_edu.drawing import line_and_normal

OUT = Path(__file__).resolve().parent / "out"
TWO_FEATURES = ("worst radius", "worst concave points")  # for the picture of the boundary


def train(X: np.ndarray, t: np.ndarray, epochs: int, lr: float, seed: int,
          X_test: np.ndarray, t_test: np.ndarray, batch_size: int = 32):
    """One neuron trained with minibatch gradient descent, the loop written out.

    Returns the neuron and the training and test loss after each epoch.
    """
    neuron = tg.nn.Neuron(X.shape[1], "sigmoid", rng=seed)
    optimizer = tg.optim.SGD(neuron.parameters(), lr=lr)
    gen = np.random.default_rng(seed)
    train_losses, test_losses = [], []
    stop_if_diverged = StopIfDiverged()
    for _ in range(epochs):
        order = gen.permutation(len(X))                  # a new order of the rows each epoch
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            p = neuron(X[rows])                          # predict
            E = F.binary_cross_entropy(p, t[rows])       # compare
            stop_if_diverged(E.item())                   # (ends the script if it runs away)
            optimizer.zero_grad()                        # adjust
            E.backward()
            optimizer.step()
        with tg.no_grad():                               # repeat, watching both losses
            train_losses.append(F.binary_cross_entropy(neuron(X), t).item())
            test_losses.append(F.binary_cross_entropy(neuron(X_test), t_test).item())
    return neuron, train_losses, test_losses


def accuracy(neuron: tg.nn.Neuron, X: np.ndarray, t: np.ndarray) -> float:
    with tg.no_grad():
        return float(np.mean((neuron(X).data >= 0.5) == (t == 1)))


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, OUT, epochs=100, lr=0.1)
    parser.add_argument("--splits", type=whole_number_type(1), default=5,
                        help="seeded 80/20 splits (default 5)")
    args = parser.parse_args(argv)

    data = tg.datasets.breast_cancer()
    print(f"{len(data.data)} biopsies, {data.data.shape[1]} features, "
          f"{int(data.target.sum())} malignant")
    accuracies, curves = [], None
    for seed in range(args.splits):
        X_tr, X_te, t_tr, t_te = tg.datasets.train_test_split(data.data, data.target, rng=seed)
        X_tr, X_te = tg.datasets.standardize(X_tr, X_te)  # test scaled with train statistics
        neuron, train_losses, test_losses = train(X_tr, t_tr, args.epochs, args.lr, seed,
                                                  X_te, t_te)
        accuracies.append(accuracy(neuron, X_te, t_te))
        print(f"split {seed}: training accuracy {accuracy(neuron, X_tr, t_tr):.1%}, "
              f"test accuracy {accuracies[-1]:.1%} ({len(t_te)} biopsies)")
        if curves is None:
            curves = (train_losses, test_losses)
    mean_acc = float(np.mean(accuracies))
    print(f"mean test accuracy over {args.splits} splits: {mean_acc:.1%} "
          f"(std {np.std(accuracies):.1%})")

    # a neuron on two features only, so that its decision boundary can be drawn in the plane;
    # trained with tg.fit, which runs the same loop as train() above
    cols = [data.feature_names.index(name) for name in TWO_FEATURES]
    X_tr, X_te, t_tr, t_te = tg.datasets.train_test_split(data.data[:, cols], data.target, rng=0)
    X_tr, X_te = tg.datasets.standardize(X_tr, X_te)
    small = tg.nn.Neuron(2, "sigmoid", rng=0)
    tg.fit(small, X_tr, t_tr, loss="binary_cross_entropy",
           optimizer=tg.optim.SGD(small.parameters(), lr=args.lr), epochs=args.epochs,
           batch_size=32, rng=0, progress=False)
    two_acc = accuracy(small, X_te, t_te)
    print(f"with only {TWO_FEATURES[0]!r} and {TWO_FEATURES[1]!r}: test accuracy {two_acc:.1%}")

    assert curves is not None
    picture = draw(args.out, curves, small, X_te, t_te)
    print(f"saved {picture}")
    return {"accuracies": accuracies, "mean_test_accuracy": mean_acc,
            "two_feature_accuracy": two_acc, "pictures": [picture]}


def draw(out: Path, curves, small: tg.nn.Neuron, X: np.ndarray, t: np.ndarray) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5))
    epochs = np.arange(1, len(curves[0]) + 1)
    a1.plot(epochs, curves[0], label="training set")
    a1.plot(epochs, curves[1], label="test set")
    a1.set(xlabel="epoch", ylabel="binary cross-entropy",
           title="the neuron on all 30 features:\nloss per epoch (split 0)")
    a1.legend()
    # the right panel is another model: a neuron of its own, trained on 2 of the 30 features
    for value, name, marker in ((0, "benign", "o"), (1, "malignant", "^")):
        rows = t == value
        a2.scatter(X[rows, 0], X[rows, 1], s=18, marker=marker, alpha=0.7, label=name)
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    line_and_normal(a2, small.w.numpy(), float(small.b.data), (lo[0], hi[0]), (lo[1], hi[1]),
                    X, line_label="p = 0.5  (w·x + b = 0)")
    a2.set(xlabel=f"{TWO_FEATURES[0]} (standardised)",
           ylabel=f"{TWO_FEATURES[1]} (standardised)", xlim=(lo[0], hi[0]),
           ylim=(lo[1], hi[1]), aspect="equal",  # equal: w is drawn at right angles to the line
           title="a separate neuron on 2 of the 30 features:\nits boundary and w, on the test set")
    a2.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path = out / "04_biopsy.png"
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
