"""06 — Why binary_cross_entropy_with_logits exists: the naive path breaks for large |z|.

A classifier's last neuron gives a score z (a "logit") and a probability p = σ(z). The
binary cross-entropy of a target t ∈ {0, 1} is

    E = −[t ln p + (1 − t) ln(1 − p)]          dE/dz = σ(z) − t

Computed naively, binary_cross_entropy(sigmoid(z), t), p is rounded to a float64 first,
and the two local rules are multiplied: dE/dp = (p − t)/(p(1 − p)) times dp/dz = p(1 − p).
For t = 0 and a confidently wrong score z:

- z ≳ 17: 1 − p has lost most of its digits, so the loss −ln(1 − p) is off (relative
  error 3e-5 at z = 30, 1e-3 at z = 35). The gradient is still right: both rules use the
  same rounded p, and their factors p(1 − p) cancel, leaving p − t;
- z ≳ 36.74: p rounds to exactly 1.0, 1 − p = 0, and ln 0 is clamped at −100: the loss
  sticks at 100 instead of z and, flat where the clamp holds, sends back the gradient 0.
  The most wrong sample teaches nothing.

For t = 1 the same happens on the negative side once ln σ(z) ≈ z passes the clamp, below
z ≈ −100 (z = −1000: loss 100 and gradient 0 instead of 1000 and −1).

The fused form binary_cross_entropy_with_logits(z, t) never forms 1 − p: it computes
E = max(z, 0) − z·t + ln(1 + e^(−|z|)), exact for any z, and its gradient σ(z) − t.

This script prints both at a few values of z, prints trace_backward of each at z = 40
(the step where the gradient dies is visible), draws their graphs and plots values and
gradients over z.

    python examples/06_why_fused_bce.py [--out DIR]
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu.cli import script_parser

OUT = Path(__file__).resolve().parent / "out"
ROUNDS_TO_ONE = 36.74  # from here on, σ(z) in float64 is exactly 1.0 (1 + e^−z rounds to 1)


def naive_graph(z: float, t: float) -> tuple[tg.Tensor, tg.Tensor]:
    """(z, E) for E = binary_cross_entropy(sigmoid(z), t), not yet differentiated."""
    zt = tg.Tensor(z, requires_grad=True, name="z")
    return zt, F.binary_cross_entropy(F.sigmoid(zt), t)


def fused_graph(z: float, t: float) -> tuple[tg.Tensor, tg.Tensor]:
    """(z, E) for E = binary_cross_entropy_with_logits(z, t), not yet differentiated."""
    zt = tg.Tensor(z, requires_grad=True, name="z")
    return zt, F.binary_cross_entropy_with_logits(zt, t)


def naive(z: float, t: float) -> tuple[float, float]:
    """Loss and dE/dz through sigmoid then binary_cross_entropy."""
    zt, E = naive_graph(z, t)
    E.backward()
    return E.item(), float(zt.grad)


def fused(z: float, t: float) -> tuple[float, float]:
    """Loss and dE/dz through the fused binary_cross_entropy_with_logits."""
    zt, E = fused_graph(z, t)
    E.backward()
    return E.item(), float(zt.grad)


def exact(z: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """Reference: E = ln(1 + e^z) − z·t (logaddexp never overflows), dE/dz = σ(z) − t."""
    sig = np.exp(-np.logaddexp(0.0, -z))
    return np.logaddexp(0.0, z) - z * t, sig - t


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    # ----- a table: naive and fused against the exact values -----
    rows = [(z, 0.0) for z in (1.0, 10.0, 20.0, 30.0, 36.0, 37.0, 40.0, 100.0, 1e4)]
    rows += [(-40.0, 1.0), (-1000.0, 1.0)]  # t = 1: right at −40, broken below −100
    print(f"{'z':>8} {'t':>2} | {'naive E':>10} {'fused E':>10} {'exact E':>10} | "
          f"{'naive dE/dz':>12} {'fused dE/dz':>12} {'exact':>8}")
    for z, t in rows:
        e_n, g_n = naive(z, t)
        e_f, g_f = fused(z, t)
        e_x, g_x = exact(np.array(z), t)
        print(f"{z:>8g} {t:>2g} | {e_n:>10.6g} {e_f:>10.6g} {float(e_x):>10.6g} | "
              f"{g_n:>12.6g} {g_f:>12.6g} {float(g_x):>8.4g}")

    # ----- where the gradient dies: the two backward passes at z = 40, t = 0 -----
    graphs = []
    for name, build in (("naive", naive_graph), ("fused", fused_graph)):
        _, E = build(40.0, 0.0)
        trace = tg.trace_backward(E)
        print(f"\n{name} path at z = 40, t = 0:")
        print(trace)
        with warnings.catch_warnings():  # without Graphviz render writes .dot: said below
            warnings.simplefilter("ignore", tg.viz.GraphvizMissingWarning)
            graphs.append(tg.viz.render(E, args.out / f"06_{name}_graph.png", trace=trace))
    if any(p.suffix == ".dot" for p in graphs):
        print("(Graphviz's dot is not installed: the graphs were written as .dot text; "
              "apt-get install graphviz to get pictures)")

    # ----- values and gradients over z -----
    zs = np.linspace(-10.0, 60.0, 701)
    values = np.array([[naive(z, 0.0), fused(z, 0.0)] for z in zs])
    pictures = [draw(args.out, zs, values)]
    for p in graphs + pictures:
        print(f"saved {p}")
    big = zs >= 37.0
    return {
        "naive_grad_at_40": naive(40.0, 0.0)[1],
        "fused_grad_at_40": fused(40.0, 0.0)[1],
        "naive_loss_max": float(values[:, 0, 0].max()),
        "fused_max_abs_error": float(np.abs(values[:, 1, 0] - exact(zs, 0.0)[0]).max()),
        "naive_dead_fraction_above_37": float(np.mean(values[big, 0, 1] == 0.0)),
        "pictures": pictures,
        "graphs": graphs,
    }


def draw(out: Path, zs: np.ndarray, values: np.ndarray) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    e_exact, g_exact = exact(zs, 0.0)
    fig, ((a1, a2), (a3, a4)) = plt.subplots(2, 2, figsize=(11, 8))
    a1.plot(zs, values[:, 0, 0], lw=2.5, label="naive: BCE(σ(z), 0)")
    a1.plot(zs, values[:, 1, 0], ls="--", lw=1.5, label="fused: BCE_with_logits(z, 0)")
    a1.set(title="loss for target t = 0", xlabel="z", ylabel="E")
    a1.legend()
    zoom = (zs >= 15) & (zs <= 40)
    rel = np.abs(values[zoom, 0, 0] - e_exact[zoom]) / e_exact[zoom]
    a2.semilogy(zs[zoom], np.maximum(rel, 1e-17), label="naive")
    rel_f = np.abs(values[zoom, 1, 0] - e_exact[zoom]) / e_exact[zoom]
    a2.semilogy(zs[zoom], np.maximum(rel_f, 1e-17), label="fused (0 shown as 1e-17)")
    a2.set(title="relative error of the loss: 1 − σ(z) loses its digits",
           xlabel="z", ylabel="|E − exact| / exact")
    a2.legend()
    a3.plot(zs, values[:, 0, 1], lw=2.5, label="naive")
    a3.plot(zs, values[:, 1, 1], ls="--", lw=1.5, label="fused")
    a3.plot(zs, g_exact, ":", color="k", label="exact σ(z) − t")
    a3.axvspan(ROUNDS_TO_ONE, zs[-1], color="0.9", lw=0, zorder=0,
               label="σ(z) rounds to 1: 1 − σ(z) = 0")
    a3.set(title=f"gradient dE/dz: the naive one drops to 0 at z ≈ {ROUNDS_TO_ONE}",
           xlabel="z", ylabel="dE/dz")
    a3.legend(loc="center", bbox_to_anchor=(0.42, 0.45), fontsize=9)  # clear of the curves
    a4.plot(zs, values[:, 0, 1] - g_exact, label="naive − exact")
    a4.plot(zs, values[:, 1, 1] - g_exact, label="fused − exact")
    a4.set(title="gradient error", xlabel="z", ylabel="dE/dz − exact")
    a4.legend()
    fig.tight_layout()
    path = out / "06_why_fused_bce.png"
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
