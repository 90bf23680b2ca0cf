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


def test_gpu_benchmark_dry_run_on_cpu(tmp_path):
    """benchmarks/gpu.py runs its workloads (on NumPy, with --device cpu) and checks results."""
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu", "--device", "cpu", "--smoke", "--out",
         str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [line.split()[:2] for line in result.stdout.splitlines()]
    for workload in ("W3-f32", "W3-f64", "W4"):
        assert [workload, "autograd_lib"] in rows
    assert (tmp_path / "results-gpu.json").exists()


def test_gpu_benchmark_without_gpu_says_so():
    """Where CuPy or a GPU is missing, ``make bench-gpu`` explains and exits 0."""
    import autograd_lib

    if autograd_lib.cuda.is_available():
        return  # a GPU machine: scripts/gpu_check.sh runs the real thing
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu"], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert "no CUDA GPU to measure" in result.stdout
