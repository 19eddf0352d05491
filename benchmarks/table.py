"""The benchmark report: one row per workload, one column per contender, Markdown."""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.memory import MiB

NP, TORCH = "numpy", "PyTorch"
TG, TG_SGD = "tinygrad_edu", "tinygrad_edu + optim.SGD"
TGC, TGC_SGD = "compiled", "compiled + optim.SGD"  # tg.compile: the same steps, replayed
COLUMNS = (NP, TG, TG_SGD, TGC, TGC_SGD, TORCH)


class Row:
    """One line of the table: a value per contender, the target tinygrad_edu must meet, and
    the target of its compiled step (``tg.compile``) where there is one."""

    def __init__(self, workload: str, values: dict[str, float], fmt: Callable[[float], str],
                 target: str, met: bool | None, ratios: bool = True, *,
                 compiled_target: str = "–", compiled_met: bool | None = None) -> None:
        self.workload, self.values, self.fmt = workload, values, fmt
        self.target, self.met, self.ratios = target, met, ratios
        self.compiled_target, self.compiled_met = compiled_target, compiled_met


def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.2f} µs"
    return f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def fmt_mib(b: float) -> str:
    return f"{b / MiB:.2f} MiB"


def fmt_plain(x: float) -> str:
    return f"{x:.2f}"


def markdown_table(rows: list[Row]) -> str:
    names = [n for n in COLUMNS if any(n in r.values for r in rows)]
    head = ["workload"]
    for n in names:
        head += [n] if n == NP else [n, "× numpy"]
    head += ["target (tinygrad_edu)", "met", "target (compiled)", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r.workload]
        for n in names:
            v = r.values.get(n)
            cells.append("–" if v is None else r.fmt(v))
            if n != NP:
                ok = v is not None and r.ratios and r.values.get(NP)
                cells.append(f"{v / r.values[NP]:.2f}x" if ok else "–")  # type: ignore[operator]
        cells += [r.target, _met(r.met), r.compiled_target, _met(r.compiled_met)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _met(met: bool | None) -> str:
    return "–" if met is None else ("yes" if met else "**no**")
