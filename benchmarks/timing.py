"""Timing: interleaved repetitions and medians, so that every contender sees the same machine.

Each repetition times one block of calls of every contender in turn (numpy, tinygrad_edu,
PyTorch, ...); a slow moment of the machine (another process, a frequency change) then
hits all of them alike instead of one. The median over repetitions ignores the outliers.
The garbage collector stays on: its pauses are part of what a user of the library waits for.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping

Step = Callable[[], object]


def median_times(contenders: Mapping[str, Step], *, calls: int, reps: int, warmup: int = 3,
                 clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """Median seconds per call of each contender; ``reps`` interleaved blocks of ``calls``.

    ``clock`` is wall time by default; ``time.process_time`` (CPU time of this process) is
    steadier while other programs compete for the cores, e.g. when profiling a change.
    """
    for step in contenders.values():
        for _ in range(warmup):
            step()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for rep in range(reps):
        # rotate who goes first: no contender always runs right after the same other one
        # (whose memory traffic or BLAS threads could slow it, e.g. the 25 MB of W3)
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            step = contenders[name]
            gc.collect()  # every block starts from the same clean heap
            start = clock()
            for _ in range(calls):
                step()
            samples[name].append((clock() - start) / calls)
    return {name: statistics.median(s) for name, s in samples.items()}
