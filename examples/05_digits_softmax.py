"""05 — A softmax layer reads handwritten digits.

1797 images of 8x8 pixels (scikit-learn's digits, bundled with it, no download), each
flattened to x with 64 values. One Linear(64 -> 10) layer gives a score per digit,
zₖ = wₖ · x + bₖ, and softmax turns the scores into probabilities pₖ = e^zₖ / Σⱼ e^zⱼ.
Training minimises the softmax cross-entropy E = −(1/N) Σₙ ln pₙ,tₙ, whose gradient is
simply dE/dz = (p − one_hot(t))/N.

Row k of the weight matrix weighs each pixel for digit k: the picture shows the ten rows
as 8x8 images, red where ink raises the digit's score and blue where it lowers it. Only
row 0 looks like its digit (a ring round a blue hole); the others mark mostly where the
digit has no ink and its look-alikes do (the open left side of 3, the open top of 4).

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
    print(most_frequent_mistake(t_te.astype(int), predicted))

    picture = draw(args.out, layer.weight.numpy(), losses)
    print(f"saved {picture}")
    return {"test_accuracy": test_acc, "train_accuracy": train_acc, "final_loss": losses[-1],
            "pictures": [picture]}


def most_frequent_mistake(labels: np.ndarray, predicted: np.ndarray) -> str:
    """The digit most often read as another one, in words (or that there was no mistake)."""
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (labels, predicted), 1)
    np.fill_diagonal(confusion, 0)  # the right answers
    count = int(confusion.max())
    if count == 0:
        return "no mistake on the test images"
    true, read = np.unravel_index(int(confusion.argmax()), confusion.shape)
    if count == 1:  # no pair stands out: "most frequent" would pick one of a tie
        wrong = int(confusion.sum())
        if wrong == 1:
            return f"one mistake: {true} read as {read}"
        return (f"no mistake happened twice: {wrong} wrong images, each a different pair "
                f"(e.g. {true} read as {read})")
    return f"most frequent mistake: {true} read as {read} ({count} times)"


def draw(out: Path, weight: np.ndarray, losses: list[float]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig = plt.figure(figsize=(12, 4.2), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[5, 1.3])
    digits = left.subplots(2, 5)
    limit = np.abs(weight).max()  # one colour scale for all rows, 0 in the middle: red +, blue −
    for k, ax in enumerate(digits.ravel()):
        image = ax.imshow(weight[k].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"row {k}: digit {k}", fontsize=9)
        ax.axis("off")
    left.colorbar(image, ax=digits, orientation="horizontal", shrink=0.6, aspect=40,
                  label="weight: ink on this pixel pushes the score toward this digit (+) "
                  "or away (−)")
    left.suptitle("the ten rows of W, each drawn as an 8x8 image")
    ax = right.subplots()
    ax.plot(np.arange(1, len(losses) + 1), losses)
    ax.set(xlabel="epoch", ylabel="softmax cross-entropy", title="training loss")
    path = out / "05_digits_weights.png"
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
