"""Before/after: this checkout's tinygrad_edu against another checkout's, in one process.

    python -m benchmarks.compare PATH/TO/OTHER/CHECKOUT [--reps 40]

Both versions run the same workloads (``models.py`` and ``micro.py`` of this checkout), timed
by ``median_times``: the blocks of the two versions alternate, so a busy moment of the
machine slows both alike. The table gives each median and after / before. This is how a
change to the core is checked against the guard "no workload more than 5 % slower".
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent


def load_workloads(package_root: Path | None, tag: str) -> tuple[ModuleType, ModuleType]:
    """Fresh copies of models.py and micro.py that use the tinygrad_edu under
    ``package_root`` (None: this checkout's)."""
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "tinygrad_edu"}
    for k in saved:
        del sys.modules[k]
    if package_root is not None:
        sys.path.insert(0, str(package_root))
    try:
        importlib.import_module("tinygrad_edu.datasets")  # loaded lazily: load it now
        mods = []
        for name in ("models", "micro"):
            spec = importlib.util.spec_from_file_location(f"_{tag}_{name}", HERE / f"{name}.py")
            assert spec is not None and spec.loader is not None
            mod = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = mod  # dataclasses look their module up there
            spec.loader.exec_module(mod)
            mods.append(mod)
        return mods[0], mods[1]
    finally:
        if package_root is not None:
            sys.path.remove(str(package_root))
        for k in [k for k in sys.modules if k.split(".")[0] == "tinygrad_edu"]:
            del sys.modules[k]
        sys.modules.update(saved)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the other checkout (its root directory)")
    parser.add_argument("--reps", type=int, default=40, help="interleaved blocks per version")
    parser.add_argument("--cpu", action="store_true",
                        help="CPU time of this process instead of wall time (steadier under load)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))
    from benchmarks.timing import median_times

    versions = {"before": load_workloads(args.before.resolve(), "before"),
                "after": load_workloads(None, "after")}
    workloads: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, name in enumerate(["W1 tiny", "W2 biopsy", "W3 wide"]):
        calls = 2 if name == "W3 wide" else 400
        workloads[name] = (calls, {v: m.tinygrad_step(m.problems()[i])
                                   for v, (m, _) in versions.items()})
    workloads["W4 chain n=1,000"] = (5, {v: mi.chain_tinygrad(1000)
                                         for v, (_, mi) in versions.items()})
    workloads["W5 a + b, backward"] = (2000, {v: mi.add_tinygrad()
                                              for v, (_, mi) in versions.items()})
    clock = time.process_time if args.cpu else time.perf_counter
    print(f"before: {args.before}; medians of {args.reps} interleaved blocks "
          f"({'CPU' if args.cpu else 'wall'} time)\n")
    print("| workload | before | after | after / before |\n|---|---|---|---|")
    for name, (calls, steps) in workloads.items():
        t = median_times(steps, calls=calls, reps=args.reps, clock=clock)
        print(f"| {name} | {t['before'] * 1e6:.2f} µs | {t['after'] * 1e6:.2f} µs | "
              f"{t['after'] / t['before']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
