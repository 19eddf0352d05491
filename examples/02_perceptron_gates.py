"""02 — The perceptron on AND and OR (it converges) and on XOR (it cannot).

The perceptron predicts y = step(w · x + b) and learns with Rosenblatt's rule:

    predict  y = step(w · x + b)
    compare  e = t − y
    adjust   w ← w + η e x,   b ← b + η e
    repeat   until a whole pass makes no mistake.

Its decision boundary is the line w · x + b = 0, and w is perpendicular to that line,
pointing to the side it calls 1. For AND and OR such a line exists; for XOR none does, so
the rule never stops making mistakes. The pictures draw the four points, the line and w.

    python examples/02_perceptron_gates.py [--epochs 20] [--seed 0] [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.cli import script_parser
from tinygrad_edu.drawing import line_and_normal

OUT = Path(__file__).resolve().parent / "out"


def train_by_hand(w: np.ndarray, b: float, X: np.ndarray, t: np.ndarray, epochs: int,
                  lr: float = 1.0) -> tuple[np.ndarray, float, list[int]]:
    """The perceptron rule written out; returns the final w, b and mistakes per epoch."""
    w, mistakes_per_epoch = w.copy(), []
    for _ in range(epochs):
        mistakes = 0
        for x_n, t_n in zip(X, t, strict=True):
            y_n = 1.0 if w @ x_n + b >= 0 else 0.0   # predict
            e = t_n - y_n                             # compare
            w, b = w + lr * e * x_n, b + lr * e       # adjust (no change when e = 0)
            mistakes += int(e != 0)
        mistakes_per_epoch.append(mistakes)
        if mistakes == 0:                             # repeat until nothing is wrong
            break
    return w, b, mistakes_per_epoch


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, OUT, epochs=20, seed=0)
    args = parser.parse_args(argv)

    results, drawn = {}, []
    for gate in ("and", "or", "xor"):
        X, t = tg.datasets.logic_gate(gate)
        perceptron = tg.nn.Perceptron(2, rng=args.seed)
        w0, b0 = perceptron.w.numpy(), float(perceptron.b.data)
        w, b, mistakes = train_by_hand(w0, b0, X, t, args.epochs)
        result = perceptron.fit(X, t, epochs=args.epochs)   # the same rule, in the library
        assert np.allclose(perceptron.w.data, w) and np.isclose(float(perceptron.b.data), b)
        assert mistakes == result.errors
        predictions = perceptron(X).numpy()
        print(f"{gate.upper():>3}: {result}")
        print(f"     w = {np.round(w, 3)}, b = {b:.3f}; predictions {predictions.astype(int)} "
              f"for targets {t.astype(int)}")
        results[gate] = {"converged": result.converged, "epochs": result.epochs,
                         "accuracy": float(np.mean(predictions == t))}
        drawn.append((gate, X, t, w, b, result.converged))
    picture = draw(args.out, drawn)
    print(f"saved {picture}")
    return {**results, "pictures": [picture]}


def draw(out: Path, drawn: list) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, len(drawn), figsize=(5 * len(drawn), 5))
    for ax, (gate, X, t, w, b, converged) in zip(axes, drawn, strict=True):
        lim = (-0.75, 1.75)
        ax.scatter(*X[t == 0].T, s=120, marker="o", facecolors="white", edgecolors="C0",
                   label="t = 0")
        ax.scatter(*X[t == 1].T, s=120, marker="s", color="C1", label="t = 1")
        if float(w @ w) > 0:  # the line w·x + b = 0 and w, normal to it (tg.plot's drawing)
            line_and_normal(ax, w, b, lim, lim, X, line_label="w·x + b = 0")
        status = "converged" if converged else "did not converge"
        ax.set(xlim=lim, ylim=lim, aspect="equal", xlabel="x₁", ylabel="x₂",
               title=f"{gate.upper()}: {status}")
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path = out / "02_perceptron.png"
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
