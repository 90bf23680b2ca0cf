"""The benchmark harness runs (tiny sizes, a few repeats): `make bench` will not rot.
Timings are not checked here; benchmarks are run on demand (benchmarks/README.md)."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_benchmarks_smoke_run():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--no-plot"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for workload in ("W1", "W1b", "W2", "W3", "W4", "W1b-fn"):
        assert workload in result.stdout
    # W1b-fn: a custom autograd.Function against the built-in op (skipped, with a note, while
    # autograd_lib.autograd has no Function); torch's rows are always there.
    assert "Function steps" in result.stdout
    assert "torch/fn-tanh" in result.stdout


def _git_head():
    try:
        proc = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=30,
        )
    except OSError:
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def test_benchmarks_baseline_option(tmp_path):
    """``--baseline HEAD`` times the committed autograd_lib next to the working tree's."""
    head = _git_head()
    if head is None:
        pytest.skip("not a git checkout")
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--no-plot", "--no-memory",
         "--only", "W1,W1b,W2", "--baseline", "HEAD", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    label = f"autograd_lib@{head}"
    rows = [line.split() for line in result.stdout.splitlines()]
    assert "vs baseline" in result.stdout
    for workload in ("W1", "W1b", "W2"):
        assert [workload, label] in [r[:2] for r in rows]  # timed, in the main table
        # and compared in the vs-baseline table: W1  iteration  ...  autograd_lib@<rev>  ...
        compared = [r for r in rows if r[:1] == [workload] and label in r[2:]]
        assert compared and compared[0][-1] in ("PASS", "FAIL"), compared


def test_baseline_rename_keeps_strings():
    """The baseline's source is renamed token by token: names, not strings or comments."""
    from benchmarks.baseline import rename_names

    source = (
        "import autograd_lib\n"
        "from autograd_lib.tensor import Tensor  # autograd_lib\n"
        "x = autograd_lib.zeros(1)\n"
        "r = f'autograd_lib.Size({x})'\n"
    )
    assert rename_names(source, "autograd_lib", "old_lib") == (
        "import old_lib\n"
        "from old_lib.tensor import Tensor  # autograd_lib\n"
        "x = old_lib.zeros(1)\n"
        "r = f'autograd_lib.Size({x})'\n"
    )


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
    from conftest import CUPY  # "stand-in": this process's CuPy is tests/fake_cupy.py

    if CUPY == "real":
        return  # a GPU machine: scripts/gpu_check.sh runs the real thing
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu"], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert "no CUDA GPU to measure" in result.stdout
