"""Run the benchmark suite and print a Markdown table: ``python -m benchmarks [--quick]``.

Every workload is timed for the hand-written numpy version, tinygrad_edu (and its
``optim.SGD`` variant when that exists), the same steps compiled by ``tg.compile`` (W1-W3,
W5, memory) and PyTorch CPU when it is installed, interleaved in this one process; the table
shows median time per step and the ratio to numpy. Before timing, each contender's gradients
are checked against numpy's.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python benchmarks/run.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from benchmarks import memory, micro, models
from benchmarks.machine import machine_facts
from benchmarks.table import (
    NP,
    TG,
    TG_SGD,
    TGC,
    TGC_SGD,
    TORCH,
    Row,
    fmt_mib,
    fmt_plain,
    fmt_time,
    markdown_table,
)
from benchmarks.timing import median_times


def check_same(workload: str, who: str, got: Any, want: Any) -> None:
    """Stop the run if ``who`` computes other gradients than numpy (then timing means nothing)."""
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        if g.shape != w.shape or not np.allclose(g, w, rtol=1e-9, atol=1e-12):
            raise SystemExit(f"{workload}: {who}'s gradient {i} differs from numpy's "
                             f"(shapes {g.shape} / {w.shape}, max |diff| "
                             f"{np.max(np.abs(g - w)) if g.shape == w.shape else 'n/a'})")


def bench_models(quick: bool, torch: Any) -> list[Row]:
    rows = []
    targets = {"W1 tiny": 2.5, "W2 biopsy": 2.5, "W3 wide": 1.05}
    # judged on the compiled step as docs/compile.md uses it: with an optimizer
    compiled_targets = {"W1 tiny": 1.3, "W2 biopsy": 1.4}
    for p in models.problems():
        steps = {NP: models.numpy_step(p), TG: models.tinygrad_step(p)}
        if models.has_optim():
            steps[TG_SGD] = models.tinygrad_optim_step(p)
        steps[TGC] = models.tinygrad_step(p, compiled=True)
        steps[TGC_SGD] = models.tinygrad_optim_step(p, compiled=True)
        if torch is not None:
            steps[TORCH] = models.torch_step(p, torch)
        want = steps[NP]()
        for name, step in steps.items():
            if name != NP:
                check_same(p.name, name, step(), want)
        big = p.X.size > 1_000_000
        calls, reps = (1, 3) if quick else ((3, 25) if big else (200, 15))
        times = median_times(steps, calls=calls, reps=reps, warmup=1 if quick else 3)
        limit, climit = targets[p.name], compiled_targets.get(p.name)
        rows.append(Row(f"{p.name}: step, N={p.X.shape[0]}, D={p.X.shape[1]}", times, fmt_time,
                        f"<= {limit}x", times[TG] <= limit * times[NP],
                        compiled_target=f"<= {climit}x (+ optim.SGD)" if climit else "–",
                        compiled_met=times[TGC_SGD] <= climit * times[NP] if climit else None))
    return rows


def _chain_runs(n: int, torch: Any, shape: tuple[int, ...] = (1,)) -> dict[str, Any]:
    """numpy and tinygrad_edu when ``torch`` is None, else numpy (the check) and PyTorch."""
    if torch is None:
        return {NP: micro.chain_numpy(n, shape), TG: micro.chain_tinygrad(n, shape)}
    return {NP: micro.chain_numpy(n, shape), TORCH: micro.chain_torch(n, torch, shape)}


def _time_chain(n: int, torch: Any, reps: int, shape: tuple[int, ...] = (1,)) -> dict[str, float]:
    runs = _chain_runs(n, torch, shape)
    want = runs[NP]()
    for name, run in runs.items():
        if not np.isclose(run(), want, rtol=1e-12):
            raise SystemExit(f"W4 chain n={n}: {name}'s dx differs from numpy's {want}")
    return median_times(runs, calls=1, reps=reps, warmup=1)


def bench_chain(quick: bool, torch: Any) -> list[Row]:
    """W4. numpy and tinygrad_edu are timed (interleaved) when ``torch`` is None; with
    ``torch`` given, only PyTorch's column is added (``main`` runs this group twice, before and
    after importing PyTorch: see there why)."""
    sizes = (10, 100, 1_000) if quick else (1_000, 10_000, 100_000)
    totals = {n: _time_chain(n, torch, 3 if quick else (5 if n >= 100_000 else 9)) for n in sizes}
    rows = []
    for n in sizes:
        per_node = {name: t / n for name, t in totals[n].items()}
        met = per_node[TG] <= 5 * per_node[NP] if TG in per_node else None
        rows.append(Row(f"W4 chain n={n:,}, shape (1,): time per node (fwd + bwd)", per_node,
                        fmt_time, "<= 5x", met))
    mid, top = sizes[-2], sizes[-1]
    scaling = {name: totals[top][name] / totals[mid][name] for name in totals[top]}
    rows.append(Row(f"W4 chain: t(n={top:,}) / t(n={mid:,})", scaling, fmt_plain, "<= 12",
                    scaling[TG] <= 12 if TG in scaling else None, ratios=False))
    # the same chain on 0-d arrays, where numpy computes on scalar objects (see micro.py)
    times = _time_chain(mid, torch, 3 if quick else 9, ())
    rows.append(Row(f"W4 chain n={mid:,} on 0-d arrays: time per node (information)",
                    {name: t / mid for name, t in times.items()}, fmt_time, "–", None))
    return rows


def _add_column(rows: list[Row], extra: list[Row], name: str) -> None:
    """Copy contender ``name``'s values from ``extra`` into the rows of the same workload."""
    for row, more in zip(rows, extra, strict=True):
        assert row.workload == more.workload
        row.values[name] = more.values[name]


def bench_overhead(quick: bool, torch: Any) -> list[Row]:
    runs = {NP: micro.add_numpy(), TG: micro.add_tinygrad(), TGC: micro.add_compiled()}
    if torch is not None:
        runs[TORCH] = micro.add_torch(torch)
    times = median_times(runs, calls=200 if quick else 5000, reps=3 if quick else 15)
    return [Row("W5 overhead: `a + b` on 1-element tensors + backward", times, fmt_time,
                "<= 10 µs", times[TG] <= 10e-6, compiled_target="<= 3 µs",
                compiled_met=times[TGC] <= 3e-6)]


def bench_memory(quick: bool, torch: Any) -> list[Row]:
    w1, w3 = models.problems()[0], models.problems()[2]
    makers = {NP: models.numpy_step, TG: models.tinygrad_step,
              TGC: lambda p: models.tinygrad_step(p, compiled=True)}
    peak = {name: float(memory.peak_extra_bytes(make(w3))) for name, make in makers.items()}
    steps = 100 if quick else 10_000
    growth = {name: float(memory.rss_growth_bytes(make(w1), steps, warmup=50 if quick else 500))
              for name, make in makers.items()}
    if torch is not None:
        growth[TORCH] = memory.rss_growth_bytes(models.torch_step(w1, torch), steps,
                                                warmup=50 if quick else 500)
    return [
        Row("Memory: peak extra memory of one W3 step (tracemalloc)", peak, fmt_mib,
            "<= 1.2x", peak[TG] <= 1.2 * peak[NP]),
        Row(f"Memory: RSS growth over {steps:,} W1 steps", growth, fmt_mib, "< 5 MiB",
            growth[TG] < 5 * memory.MiB, ratios=False, compiled_target="< 5 MiB",
            compiled_met=growth[TGC] < 5 * memory.MiB),
    ]


GROUPS: dict[str, Callable[[bool, Any], list[Row]]] = {
    "models": bench_models, "chain": bench_chain, "overhead": bench_overhead,
    "memory": bench_memory,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="a few steps of everything, to see that it runs (numbers are noise)")
    parser.add_argument("--markdown", metavar="PATH", help="also write the table to PATH")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--only", choices=sorted(GROUPS), action="append",
                        help="run only this group of workloads (may be repeated)")
    args = parser.parse_args(argv)
    groups = args.only or list(GROUPS)
    started = datetime.datetime.now(datetime.timezone.utc)
    results: dict[str, list[Row]] = {}
    # W4 asks how the cost per node grows with the graph, and part of that growth is Python's
    # garbage collector walking every object of the process while the graph is built. Importing
    # PyTorch adds ~150,000 such objects, which made tinygrad_edu's W4 at n = 100k read about
    # twice as slow as in a program without PyTorch (BENCHMARKS.md, "W4"). So numpy and
    # tinygrad_edu run W4 before PyTorch is imported, and PyTorch's column is timed afterwards.
    if "chain" in groups:
        results["chain"] = bench_chain(args.quick, None)
    torch: Any = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    if "chain" in groups and torch is not None:
        _add_column(results["chain"], bench_chain(args.quick, torch), TORCH)
    for name in groups:
        if name != "chain":
            results[name] = GROUPS[name](args.quick, torch)
    rows = [row for name in GROUPS if name in results for row in results[name]]
    table = markdown_table(rows)
    facts = "\n".join(f"- {line}" for line in machine_facts(torch))
    kind = "quick run (numbers are noise)" if args.quick else "full run"
    report = (f"Benchmark {kind}, {started:%Y-%m-%d %H:%M} UTC; medians of interleaved "
              f"repetitions, float64, all gradients checked against numpy first.\n\n"
              f"{table}\n\nMachine:\n\n{facts}\n")
    print(report)
    if args.markdown:
        Path(args.markdown).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
