"""W3 and W4 on a GPU: autograd_lib's CuPy backend against PyTorch CUDA and hand-written CuPy.

    python -m benchmarks.gpu                        # make bench-gpu; needs CuPy and a CUDA GPU
    python -m benchmarks.gpu --device cpu --smoke   # the same code on the CPU: a dry run

Without a usable GPU (no CuPy, or no device) it says so and exits 0: there is nothing to
measure. ``scripts/gpu_check.sh`` installs CuPy on a GPU machine and runs this after the tests.

GPU work is asynchronous, so every timed step ends with a device-wide synchronize (it waits for
CuPy's and torch's streams alike) and the clock is wall time: process CPU time would miss the
work the GPU does. The workloads are W3 (float32 and float64) and W4 from ``workloads.py``,
with the data copied to the device before timing starts; implementations are interleaved as in
``benchmarks.run``. Target: autograd_lib <= 1.2x the hand-written CuPy reference.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks import _env

HERE = Path(__file__).resolve().parent
TARGET = 1.2


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__.split("\n")[0])
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda",
                   help="cuda (default), or cpu to dry-run the same code with NumPy")
    p.add_argument("--smoke", action="store_true", help="tiny sizes, 3 repeats")
    p.add_argument("--repeats", type=int, default=None, help="interleaved repeats (default 11)")
    p.add_argument("--out", type=Path, default=None, help="directory for results-gpu.json")
    return p.parse_args(argv)


def _cuda():
    """``(cupy, device name)``, or raise saying why there is no GPU to measure."""
    import cupy

    if cupy.cuda.runtime.getDeviceCount() < 1:
        raise RuntimeError("CuPy sees no CUDA device")
    return cupy, cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()


def main(argv=None) -> int:
    _env.configure()  # one thread for the CPU side, before NumPy is imported
    args = parse_args(argv)
    import numpy as np

    from benchmarks import timing
    from benchmarks import workloads as W

    if args.device == "cuda":
        try:
            xp, device_name = _cuda()
        except Exception as exc:
            print(f"no CUDA GPU to measure ({type(exc).__name__}: {exc}); nothing to do. On a GPU "
                  "machine, scripts/gpu_check.sh installs CuPy and runs this benchmark.")
            return 0
        ref = "cupy"

        def sync():
            xp.cuda.Device().synchronize()  # waits for every stream on the device (torch's too)
    else:
        xp, device_name, ref = np, "CPU (dry run)", "numpy"

        def sync():
            pass

    impls = {"autograd_lib": W._TorchAPI("autograd_lib")}
    try:
        import torch

        if args.device == "cpu" or torch.cuda.is_available():
            impls["torch"] = W._TorchAPI("torch")
    except ImportError:
        pass
    _env.limit_runtime_threads()

    sizes = W.SMOKE if args.smoke else W.FULL
    device = args.device
    workloads = {}
    for dtype, tag in ((np.float32, "f32"), (np.float64, "f64")):
        factories = {name: (lambda api=api, dt=dtype: api.w3(sizes, dt, device))
                     for name, api in impls.items()}
        factories[ref] = lambda dt=dtype: W.numpy_w3(sizes, dt, xp)
        workloads[f"W3-{tag}"] = (factories, 1e-3 if tag == "f32" else 1e-8)
    factories = {name: (lambda api=api: api.w4(sizes, device)) for name, api in impls.items()}
    factories[ref] = lambda: W.numpy_w4(sizes, xp)
    workloads["W4"] = (factories, 1e-3)

    print(f"GPU benchmarks on {device_name}" + (" (SMOKE: numbers not meaningful)" if args.smoke
                                                 else ""))
    print("implementations: " + ", ".join([*impls, ref]), flush=True)
    timing.set_clock("wall")
    repeats = args.repeats or (3 if args.smoke else 11)
    batch_s = 0.002 if args.smoke else 0.05
    rows, problems = [], []
    for key, (factories, rtol) in workloads.items():
        steps, probes = {}, {}
        for name, factory in factories.items():
            case = factory()
            case.step()
            sync()
            probes[name] = np.array(case.probe())
            steps[name] = lambda step=case.step: (step(), sync())
        for name, probe in probes.items():
            if not np.allclose(probe, probes[ref], rtol=rtol, atol=0):
                problems.append(f"{key} / {name}: results differ from {ref}: {probe} vs "
                                f"{probes[ref]}")
        timings = timing.run_interleaved(steps, repeats, batch_s, log=print)
        base = timings[ref].median
        for name, t in timings.items():
            if t.error:
                problems.append(f"{key} / {name}: {t.error}")
                continue
            ratio = t.median / base
            rows.append({
                "workload": key, "impl": name, "median_s": t.median, "spread": t.spread,
                "vs_ref": ratio,
                "vs_torch": t.median / timings["torch"].median if "torch" in timings else None,
                "result": ("PASS" if ratio <= TARGET else "FAIL") if name == "autograd_lib" else "",
            })

    print()
    print(f"{'workload':8}  {'implementation':14}  {'median':>9}  {'IQR':>4}  {'vs ' + ref:>8}  "
          f"{'vs torch':>8}  target")
    for r in rows:
        vs_torch = f"{r['vs_torch']:.3g}x" if r["vs_torch"] else "-"
        target = f"<= {TARGET}x {ref}  {r['result']}" if r["result"] else ""
        print(f"{r['workload']:8}  {r['impl']:14}  {r['median_s'] * 1e3:7.3f}ms  "
              f"{(r['spread'] or 0) * 100:3.0f}%  {r['vs_ref']:7.3g}x  {vs_torch:>8}  {target}")
    out = (args.out or HERE) / "results-gpu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"device": device_name, "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                               "smoke": args.smoke, "rows": rows, "problems": problems},
                              indent=1))
    print(f"wrote {out}")
    for p in problems:
        print(f"PROBLEM: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
