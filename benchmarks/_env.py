"""Process environment for benchmarking: one thread, default OpenBLAS kernel selection.

``configure()`` must run before NumPy, torch or anything that loads a BLAS is imported, because
OpenBLAS and OpenMP read these variables once, when the shared library is loaded.  Child
processes started afterwards inherit the cleaned environment.
"""

from __future__ import annotations

import os
import sys

# Variables that pin every thread pool we may meet to one thread.  threadpoolctl and
# torch.set_num_threads(1) enforce the same thing at run time; the variables also cover pools
# that are created lazily, and child processes.
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "BLIS_NUM_THREADS",
)

# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE may be set on this machine (they are exported for the
# test environment).  OPENBLAS_CORETYPE=Haswell forces OpenBLAS' AVX2 kernels on a CPU that has
# AVX-512, and OPENBLAS_L2_SIZE changes its blocking; together they made a 2048x2048 float32
# matmul about 2x slower here (Haswell: 134 ms, auto-detected SkylakeX: 71 ms).  Every
# implementation that runs on NumPy would pay for that, so the harness unsets both for its own
# process (and its children) before NumPy is imported.  torch ships its own BLAS and is not
# affected, which is exactly why leaving them set would skew the comparison.
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def configure() -> dict[str, str]:
    """Pin threads to one and drop the OpenBLAS overrides.  Return the overrides removed."""
    if "numpy" in sys.modules:
        print(
            "benchmarks: warning: numpy was imported before the benchmark environment was set; "
            "thread and OpenBLAS settings may not apply",
            file=sys.stderr,
        )
    removed = {}
    for name in OPENBLAS_OVERRIDES:
        value = os.environ.pop(name, None)
        if value is not None:
            removed[name] = value
    for name in THREAD_VARS:
        os.environ[name] = "1"
    return removed


def limit_runtime_threads() -> None:
    """Limit the already-loaded thread pools to one thread (call after the imports)."""
    from threadpoolctl import threadpool_limits

    # Kept alive for the life of the process on purpose.
    global _LIMITS
    _LIMITS = threadpool_limits(limits=1)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # already set, or parallel work already started
            pass


_LIMITS = None


def blas_info() -> list[dict[str, object]]:
    """threadpoolctl's view of the loaded thread pools (BLAS kernel, version, threads)."""
    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "prefix", "version", "architecture", "num_threads")
    return [{k: info.get(k) for k in keys} for info in threadpool_info()]
