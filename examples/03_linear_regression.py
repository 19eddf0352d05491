"""03 — Linear regression: one linear neuron, mean squared error, gradient descent.

Noisy points around the line t = 2x + 1. The model is one neuron with the identity
activation, y = w x + b (a Linear(1 -> 1) layer), and the loss is the mean squared error

    E = (1/N) Σₙ (yₙ − tₙ)²,   dE/dw = (2/N) Σₙ (yₙ − tₙ) xₙ,   dE/db = (2/N) Σₙ (yₙ − tₙ).

Gradient descent (predict → compare → adjust → repeat) should land on the same line as
the closed-form least-squares solution.

    python examples/03_linear_regression.py [--epochs 200] [--lr 0.1] [--seed 0] [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu.cli import StopIfDiverged, script_parser

OUT = Path(__file__).resolve().parent / "out"
TRUE_SLOPE, TRUE_INTERCEPT, NOISE = 2.0, 1.0, 0.5


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, OUT, epochs=200, lr=0.1, seed=0)
    args = parser.parse_args(argv)

    gen = np.random.default_rng(args.seed)
    x = gen.uniform(-3, 3, size=(100, 1))                     # N = 100 samples, 1 feature
    t = TRUE_SLOPE * x + TRUE_INTERCEPT + NOISE * gen.standard_normal((100, 1))

    model = tg.nn.Linear(1, 1, rng=args.seed)                 # y = x @ Wᵀ + b
    optimizer = tg.optim.SGD(model.parameters(), lr=args.lr)
    X, T = tg.Tensor(x), tg.Tensor(t)
    losses = []
    stop_if_diverged = StopIfDiverged()
    for _ in range(args.epochs):
        y = model(X)                  # predict
        E = F.mse(y, T)               # compare
        stop_if_diverged(E.item())    # (a loss running away ends the script)
        optimizer.zero_grad()         # adjust: w ← w − η dE/dw, b ← b − η dE/db
        E.backward()
        optimizer.step()
        losses.append(E.item())       # repeat
    slope, intercept = float(model.weight.data[0, 0]), float(model.bias.data[0])

    # the exact least-squares line, for comparison: solve [x 1] [w b]ᵀ ≈ t
    A = np.hstack([x, np.ones_like(x)])
    (ls_slope, ls_intercept), *_ = np.linalg.lstsq(A, t[:, 0], rcond=None)
    print(f"true line:          t = {TRUE_SLOPE:.3f} x + {TRUE_INTERCEPT:.3f}  (plus noise "
          f"with std {NOISE})")
    print(f"gradient descent:   y = {slope:.3f} x + {intercept:.3f}  after {args.epochs} "
          f"steps, MSE {losses[-1]:.4f}")
    print(f"least squares:      y = {ls_slope:.3f} x + {ls_intercept:.3f}")

    picture = draw(args.out, x, t, slope, intercept, losses)
    print(f"saved {picture}")
    return {"slope": slope, "intercept": intercept, "lstsq_slope": float(ls_slope),
            "lstsq_intercept": float(ls_intercept), "final_mse": losses[-1],
            "pictures": [picture]}


def draw(out: Path, x: np.ndarray, t: np.ndarray, slope: float, intercept: float,
         losses: list[float]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.scatter(x[:, 0], t[:, 0], s=12, alpha=0.6, label="data")
    grid = np.array([-3.2, 3.2])
    a1.plot(grid, slope * grid + intercept, "C3", lw=2,
            label=f"fitted y = {slope:.2f}x + {intercept:.2f}")
    a1.plot(grid, TRUE_SLOPE * grid + TRUE_INTERCEPT, "k:", label="true line")
    a1.set(xlabel="x", ylabel="t", title="linear regression with one neuron")
    a1.legend()
    a2.plot(np.arange(1, len(losses) + 1), losses)
    a2.set(xlabel="step", ylabel="mean squared error", yscale="log", title="loss")
    fig.tight_layout()
    path = out / "03_linear_regression.png"
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
