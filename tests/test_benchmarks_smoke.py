"""The benchmark suite runs end to end (`python -m benchmarks --quick`): every workload,
its gradient check against hand-written numpy, and the Markdown table. No timings are
judged here; the numbers of a quick run are noise."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_run_checks_gradients_and_writes_the_table(tmp_path):
    out = tmp_path / "table.md"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--no-torch", "--markdown", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr  # a gradient mismatch exits non-zero, naming it
    table = out.read_text(encoding="utf-8")
    assert table.strip() == proc.stdout.strip()
    for workload in ("W1 tiny", "W2 biopsy", "W3 wide", "W4 chain", "W5 overhead",
                     "peak extra memory", "RSS growth"):
        assert workload in table, workload
    header = next(line for line in table.splitlines() if line.startswith("| workload"))
    assert "numpy" in header and "tinygrad_edu" in header and "PyTorch" not in header
    assert "numpy BLAS:" in table
