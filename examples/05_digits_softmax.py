"""05 — A softmax layer reads handwritten digits.

1797 images of 8x8 pixels (scikit-learn's digits, bundled with it, no download), each
flattened to x with 64 values. One Linear(64 -> 10) layer gives a score per digit,
zₖ = wₖ · x + bₖ, and softmax turns the scores into probabilities pₖ = e^zₖ / Σⱼ e^zⱼ.
Training minimises the softmax cross-entropy E = −(1/N) Σₙ ln pₙ,tₙ, whose gradient is
simply dE/dz = (p − one_hot(t))/N.

Row k of the weight matrix is the template the layer compares an image with to score
digit k, so the picture shows each of the ten rows as an 8x8 image.

    python examples/05_digits_softmax.py [--epochs 30] [--lr 0.1] [--seed 0] [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu.cli import StopIfDiverged, script_parser

OUT = Path(__file__).resolve().parent / "out"


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """Pixels scaled to [0, 1] (N, 64) and labels 0..9 (N,), from scikit-learn."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise SystemExit("this example needs scikit-learn for the digits: "
                         "pip install 'tinygrad_edu[examples]'") from None
    digits = sklearn_digits()
    return digits.data / 16.0, digits.target.astype(np.float64)  # pixels are 0..16


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, OUT, epochs=30, lr=0.1, seed=0)
    args = parser.parse_args(argv)

    X, labels = load_digits()
    X_tr, X_te, t_tr, t_te = tg.datasets.train_test_split(X, labels, rng=args.seed)
    print(f"{len(X_tr)} training and {len(X_te)} test images of 8x8 pixels")

    layer = tg.nn.Linear(64, 10, rng=args.seed)        # scores z = x @ Wᵀ + b; W is (10, 64)
    optimizer = tg.optim.SGD(layer.parameters(), lr=args.lr, momentum=0.9)
    gen = np.random.default_rng(args.seed)
    losses = []
    stop_if_diverged = StopIfDiverged()
    for _ in range(args.epochs):
        order, total = gen.permutation(len(X_tr)), 0.0
        for start in range(0, len(X_tr), 32):
            rows = order[start:start + 32]
            z = layer(X_tr[rows])                           # predict (scores)
            E = F.softmax_cross_entropy(z, t_tr[rows])      # compare (labels as indices)
            stop_if_diverged(E.item())                      # (ends the script if it runs away)
            optimizer.zero_grad()                           # adjust
            E.backward()
            optimizer.step()
            total += E.item() * len(rows)
        losses.append(total / len(X_tr))                    # repeat
    with tg.no_grad():
        train_acc = float(np.mean(layer(X_tr).data.argmax(axis=1) == t_tr))
        probabilities = F.softmax(layer(X_te)).data
    predicted = probabilities.argmax(axis=1)
    test_acc = float(np.mean(predicted == t_te))
    print(f"after {args.epochs} epochs: loss {losses[-1]:.4f}, training accuracy "
          f"{train_acc:.1%}, test accuracy {test_acc:.1%}")
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (t_te.astype(int), predicted), 1)
    worst = max((confusion[i, j], i, j) for i in range(10) for j in range(10) if i != j)
    print(f"most frequent mistake: {worst[1]} read as {worst[2]} ({worst[0]} times)")

    picture = draw(args.out, layer.weight.numpy(), losses)
    print(f"saved {picture}")
    return {"test_accuracy": test_acc, "train_accuracy": train_acc, "final_loss": losses[-1],
            "pictures": [picture]}


def draw(out: Path, weight: np.ndarray, losses: list[float]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig = plt.figure(figsize=(12, 3.6))
    limit = np.abs(weight).max()  # one colour scale for all rows: red +, blue −
    for k in range(10):
        ax = fig.add_subplot(2, 6, k + 1 + (k // 5))
        ax.imshow(weight[k].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"row {k}: digit {k}", fontsize=9)
        ax.axis("off")
    ax = fig.add_subplot(1, 6, 6)
    ax.plot(np.arange(1, len(losses) + 1), losses)
    ax.set(xlabel="epoch", title="training loss")
    fig.suptitle("the ten rows of W, each drawn as an 8x8 image")
    fig.tight_layout()
    path = out / "05_digits_weights.png"
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
