"""Facts about the machine a run was made on: cores, CPU, numpy's BLAS and its threads."""

from __future__ import annotations

import os
import platform
from typing import Any

import numpy as np

_BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
             "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _numpy_blas() -> str:
    try:
        config: Any = np.show_config(mode="dicts")  # numpy >= 1.25
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except (TypeError, KeyError, AttributeError):  # older numpy: no dict mode
        return "unknown (numpy.show_config() prints it)"


def _threadpools() -> list[str]:
    """What threadpoolctl (optional, not a dependency) sees: library, kernel, threads."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["threadpoolctl not installed (pip install threadpoolctl to see the BLAS kernel)"]
    return [
        f"{p.get('internal_api')} {p.get('version') or ''} kernel={p.get('architecture', '-')} "
        f"threads={p.get('num_threads')} ({os.path.basename(str(p.get('filepath', '')))})"
        for p in threadpool_info()
    ]


def machine_facts(torch_module: Any = None) -> list[str]:
    """Human-readable lines describing this machine and the libraries under test."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 0
    facts = [
        f"CPU: {_cpu_model()}; {os.cpu_count()} cores, {usable} usable by this process",
        (f"Python {platform.python_version()} ({platform.system()} {platform.machine()}), "
         f"numpy {np.__version__}"),
        f"numpy BLAS: {_numpy_blas()}",
    ]
    facts += [f"thread pool: {line}" for line in _threadpools()]
    env = [f"{k}={os.environ[k]}" for k in _BLAS_ENV if k in os.environ]
    facts.append("BLAS environment: " + (", ".join(env) if env else "none of "
                                         + ", ".join(_BLAS_ENV) + " set"))
    if torch_module is not None:
        facts.append(f"PyTorch {torch_module.__version__}, "
                     f"{torch_module.get_num_threads()} intra-op threads")
    else:
        facts.append("PyTorch: not installed (its column is left out)")
    return facts
