#!/usr/bin/env bash
# Everything that needs a real NVIDIA GPU, in one go (about 10 minutes at most), with every
# result written to one file:
#
#   1. the `cuda` cases of the test suite against real CuPy (on machines without a GPU they run
#      against tests/fake_cupy.py in `make test`; here AUTOGRAD_LIB_TEST_CUPY=real);
#   2. every op against PyTorch on the GPU, where PyTorch has CUDA (tests/test_vs_torch_cuda.py);
#   3. `make bench-gpu` (python -m benchmarks.gpu: W3 and W4 against PyTorch CUDA and
#      hand-written CuPy; it writes benchmarks/results-gpu.json);
#   4. lesson 08 executed on the GPU (its device cell picks "cuda").
#
#   scripts/gpu_check.sh                 # results in benchmarks/gpu_check.txt
#   RESULTS=/tmp/gpu.txt PY=python3 scripts/gpu_check.sh
#
# Python: $PY, else .venv/bin/python, else python3; it needs numpy, CuPy, pytest and hypothesis
# (and torch for 1-2). Where CuPy is missing it tries `pip install cupy-cuda12x`. Each step has
# a time limit (together 9.5 minutes) and a failing step does not stop the others. Exit status 0
# when no step failed. AUTOGRAD_LIB_TEST_CUPY=stand-in with tests/fake_cupy.py importable as
# `cupy` (a module `cupy.py` that puts it in sys.modules, on PYTHONPATH) dry-runs it on a CPU.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PY:-}" ]; then
    if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
RESULTS=${RESULTS:-benchmarks/gpu_check.txt}
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg AUTOGRAD_LIB_TEST_CUPY=${AUTOGRAD_LIB_TEST_CUPY:-real}
mkdir -p "$(dirname "$RESULTS")"
exec > >(tee "$RESULTS") 2>&1

summary=()
step() {  # step NAME LIMIT COMMAND...: run it, time it, note PASS or FAIL
    local name=$1 limit=$2 start rc
    shift 2
    echo
    echo "=== $name ($(date -u '+%Y-%m-%d %H:%M:%S') UTC)"
    start=$(date +%s)
    timeout "$limit" "$@"
    rc=$?
    local verdict="PASS"
    if [ $rc -eq 5 ]; then verdict="SKIP (nothing to run)"  # pytest: no test ran
    elif [ $rc -ne 0 ]; then verdict="FAIL (exit $rc$([ $rc -eq 124 ] && echo ", over ${limit}s"))"
    fi
    summary+=("$(printf '%-38s %-26s %4ss' "$name" "$verdict" $(( $(date +%s) - start )))")
}

echo "scripts/gpu_check.sh at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), python: $PY"
"$PY" -c "import cupy" 2>/dev/null || "$PY" -m pip install -q 'cupy-cuda12x>=13' \
    || echo "CuPy is not installed and could not be installed (no network?): steps 1-4 fail"

step "GPU and libraries" 60 "$PY" - <<'PYEOF'
import platform
import numpy
import cupy
n = cupy.cuda.runtime.getDeviceCount()
name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
print(f"Python {platform.python_version()}, NumPy {numpy.__version__}, CuPy {cupy.__version__}: "
      f"{n} GPU(s); device 0 = {name}")
try:
    import torch
    print(f"PyTorch {torch.__version__}, CUDA available: {torch.cuda.is_available()}")
except ImportError:
    print("PyTorch: not installed (steps 1-2 need it)")
import autograd_lib as ag
assert ag.cuda.is_available(), "autograd_lib does not see the GPU"
x = ag.tensor([1.0, 2.0, 3.0], device="cuda", requires_grad=True)
(x * x).sum().backward()
print("smoke:", x.grad)
PYEOF

xdist=()
"$PY" -c "import xdist" 2>/dev/null && xdist=(-n 8)
# 4 hypothesis examples per case (8 in make test): CuPy compiles each new kernel on first use.
step "1. cuda test cases ($AUTOGRAD_LIB_TEST_CUPY CuPy)" 180 env ORACLE_MAX_EXAMPLES=4 \
    "$PY" -m pytest -q -p no:cacheprovider -m cuda "${xdist[@]}" --durations=10 tests/ \
    --ignore=tests/test_vs_torch_cuda.py
step "2. ops vs PyTorch CUDA" 120 "$PY" -m pytest -q -p no:cacheprovider -m cuda \
    "${xdist[@]}" -rs tests/test_vs_torch_cuda.py
# `make bench-gpu` is this command (make would first build .venv, which needs the network).
step "3. make bench-gpu" 150 "$PY" -m benchmarks.gpu
step "4. lesson 08 on the GPU" 60 "$PY" - <<'PYEOF'
"""Lesson 08 run top to bottom on the GPU: with nbclient where installed, else its code cells
in order in this process (the same code, without a Jupyter kernel)."""
import json
import os
import sys
import time

path = "solutions/08_linear_regression/08_linear_regression.ipynb"
os.chdir(os.path.dirname(path))
start = time.perf_counter()
try:
    import nbclient
    import nbformat
except ImportError:
    nbclient = None
if nbclient is not None:
    nb = nbformat.read(os.path.basename(path), as_version=4)
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": "."}}).execute()
    out = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                  for o in c.get("outputs", []) if o.get("output_type") == "stream")
    how = "nbclient"
else:
    import contextlib
    import io
    buffer = io.StringIO()
    namespace = {"__name__": "__main__"}
    for cell in json.load(open(os.path.basename(path)))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        source = "\n".join(line for line in source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        with contextlib.redirect_stdout(buffer):
            exec(compile(source, path, "exec"), namespace)
    out = buffer.getvalue()
    how = "its code cells in one process (no nbclient)"
device_lines = [line for line in out.splitlines() if "on:" in line]
print(f"{path}: ran with {how} in {time.perf_counter() - start:.1f}s")
print("\n".join(device_lines))
sys.exit(0 if any("training on: cuda" in line for line in device_lines) else 1)
PYEOF

[ -f benchmarks/results-gpu.json ] && { echo; echo "=== benchmarks/results-gpu.json"; \
    cat benchmarks/results-gpu.json; }
if [ -n "${OUT:-}" ] && [ -d "${OUT:-}" ]; then
    cp benchmarks/results-gpu.json "$OUT/" 2>/dev/null || true
fi
echo
echo "=== summary"
failed=0
for line in "${summary[@]}"; do
    echo "$line"
    case $line in *FAIL*) failed=1 ;; esac
done
echo "results: $RESULTS"
exit $failed
