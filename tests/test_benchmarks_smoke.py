"""The benchmark harness runs (tiny sizes, a few repeats): `make bench` will not rot.
Timings are not checked here; benchmarks are run on demand (benchmarks/README.md)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_benchmarks_smoke_run():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--no-plot"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for workload in ("W1", "W1b", "W2", "W3", "W4"):
        assert workload in result.stdout
