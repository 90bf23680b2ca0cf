"""Benchmark harness for autograd_lib.

Run ``python -m benchmarks.run`` (full run) or ``python -m benchmarks.run --smoke`` (a few
seconds, tiny sizes).  See ``benchmarks/README.md``.

This package deliberately imports nothing at import time: ``benchmarks.run`` has to pin the
thread counts and clean the OpenBLAS environment *before* NumPy or torch are imported.
"""
