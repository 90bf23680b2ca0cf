#!/usr/bin/env bash
# Run the CUDA cases of the test suite on a machine with an NVIDIA GPU.
# Installs CuPy (cupy-cuda12x) into .venv if missing, checks that it sees a GPU, then runs the
# tests marked `cuda` (every op test is parametrized over cpu and cuda) plus the rest of the
# library tests, so CPU and GPU results are compared in one run, then the GPU benchmark
# (benchmarks/gpu.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
if [ ! -x "$PY" ]; then
    python3 -m venv .venv
    .venv/bin/pip install -q -U pip
    .venv/bin/pip install -q torch==2.13.0
    .venv/bin/pip install -q -e '.[test]'
fi
"$PY" -c "import cupy" 2>/dev/null || "$PY" -m pip install -q 'cupy-cuda12x>=13'
"$PY" - <<'PYEOF'
import cupy
n = cupy.cuda.runtime.getDeviceCount()
props = cupy.cuda.runtime.getDeviceProperties(0)
print(f"CuPy {cupy.__version__}: {n} GPU(s); device 0 = {props['name'].decode()}")
import autograd_lib as ag
assert ag.cuda.is_available(), "autograd_lib does not see the GPU"
x = ag.tensor([1.0, 2.0, 3.0], device="cuda", requires_grad=True)
(x * x).sum().backward()
print("smoke:", x.grad, x.grad.device)
PYEOF
"$PY" -m pytest -q -m cuda -p no:cacheprovider tests/ "$@"
# W3 and W4 on the GPU against PyTorch CUDA (if installed) and hand-written CuPy.
"$PY" -m benchmarks.gpu
