"""Memory: the peak extra memory of one W3 step, and resident-memory growth over many W1 steps.

The peak is measured with ``tracemalloc``, which sees numpy's array buffers (numpy reports
them to it), so it counts every temporary a step makes. Growth is the resident set size
(RSS, from /proc/self/statm) before and after the steps: a leak, such as a graph kept alive
by a reference cycle, shows up there.
"""

from __future__ import annotations

import gc
import os
import resource
import tracemalloc
from collections.abc import Callable

MiB = 1024 * 1024


def peak_extra_bytes(step: Callable[[], object]) -> int:
    """Bytes allocated at the peak of one call of ``step`` beyond what was live before it."""
    step()  # a first call outside the measurement: caches, lazy imports
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - before


def rss_bytes() -> int:
    """The resident set size of this process now (Linux), else the peak RSS so far."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rss_growth_bytes(step: Callable[[], object], steps: int, warmup: int = 500) -> int:
    """How much the RSS grew over ``steps`` calls of ``step`` (after ``warmup`` calls)."""
    for _ in range(warmup):
        step()
    gc.collect()
    before = rss_bytes()
    for _ in range(steps):
        step()
    gc.collect()
    return rss_bytes() - before
