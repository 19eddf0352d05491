"""01 — One neuron by hand, in vector notation.

A neuron computes  z = w · x + b  and  y = σ(z) = 1 / (1 + e^(−z)).
With the squared error E = (y − t)², the chain rule gives

    dE/dy = 2(y − t),   dy/dz = y(1 − y),   dz/dw = x,   dz/db = 1
    dE/dw = 2(y − t) · y(1 − y) · x          dE/db = 2(y − t) · y(1 − y)

This script computes all of that with plain numpy, checks that tinygrad_edu's backward()
gives the same numbers, and then trains the neuron with the four-step loop
predict → compare → adjust → repeat.

    python examples/01_neuron_by_hand.py [--epochs 60] [--lr 0.5] [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu.cli import StopIfDiverged, script_parser

OUT = Path(__file__).resolve().parent / "out"


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, OUT, epochs=60, lr=0.5)
    args = parser.parse_args(argv)

    # ----- one forward and backward pass, by hand -----
    x = np.array([1.0, 2.0, -1.0])    # one sample with three features
    w = np.array([0.5, -0.25, 0.3])   # the neuron's weight vector
    b = 0.1                           # its bias
    t = 1.0                           # the target
    z = w @ x + b
    y = sigmoid(z)
    E = (y - t) ** 2
    dE_dw = 2 * (y - t) * y * (1 - y) * x
    dE_db = 2 * (y - t) * y * (1 - y)
    print(f"by hand:    z = w·x + b = {z:.4f},  y = σ(z) = {y:.4f},  E = (y − t)² = {E:.4f}")
    print(f"            dE/dw = {np.round(dE_dw, 4)},  dE/db = {dE_db:.4f}")

    # ----- the same with tinygrad_edu: the graph remembers, backward() applies the chain rule
    w_t = tg.Tensor(w, requires_grad=True)
    b_t = tg.Tensor(b, requires_grad=True)
    y_t = F.sigmoid(w_t.dot(tg.Tensor(x)) + b_t)
    E_t = F.squared_error(y_t, t)
    E_t.backward()
    print(f"autograd:   y = {y_t.item():.4f},  E = {E_t.item():.4f},  "
          f"dE/dw = {np.round(w_t.grad, 4)},  dE/db = {float(b_t.grad):.4f}")
    grad_diff = max(np.abs(w_t.grad - dE_dw).max(), abs(float(b_t.grad) - dE_db))
    print(f"largest difference between hand and autograd gradients: {grad_diff:.1e}")

    # ----- training: predict -> compare -> adjust -> repeat -----
    neuron = tg.nn.Neuron(3, "sigmoid")
    neuron.w.data, neuron.b.data = w.copy(), np.array(b)  # start from the weights above
    losses, outputs = [], []
    stop_if_diverged = StopIfDiverged()
    for _ in range(args.epochs):
        y_n = neuron(x)                       # predict
        E_n = F.squared_error(y_n, t)         # compare
        stop_if_diverged(E_n.item())          # (a loss running away ends the script)
        neuron.zero_grad()
        E_n.backward()                        # adjust: w ← w − η dE/dw, b ← b − η dE/db
        for p in neuron.parameters():         # (.data is a numpy array: nothing is recorded)
            p.data -= args.lr * p.grad
        losses.append(E_n.item())             # repeat
        outputs.append(y_n.item())
    print(f"training {args.epochs} steps with learning rate {args.lr}: y went from "
          f"{outputs[0]:.4f} to {outputs[-1]:.4f} (target {t}), E from {losses[0]:.4f} "
          f"to {losses[-1]:.4f}")

    picture = draw(args.out, losses, outputs, t)
    print(f"saved {picture}")
    return {"grad_diff": float(grad_diff), "initial_loss": losses[0], "final_loss": losses[-1],
            "pictures": [picture]}


def draw(out: Path, losses: list[float], outputs: list[float], t: float) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    z = np.linspace(-6, 6, 200)
    a1.plot(z, sigmoid(z), label="σ(z)")
    a1.plot(z, sigmoid(z) * (1 - sigmoid(z)), label="σ'(z) = σ(1 − σ)")
    a1.set(title="the activation and its derivative", xlabel="z = w·x + b")
    a1.legend()
    steps = np.arange(1, len(losses) + 1)
    a2.plot(steps, losses, label="E = (y − t)²")
    a2.plot(steps, outputs, label="y")
    a2.axhline(t, color="gray", linestyle=":", label="target t")
    a2.set(title="predict → compare → adjust → repeat", xlabel="step")
    a2.legend()
    fig.tight_layout()
    path = out / "01_neuron.png"
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
