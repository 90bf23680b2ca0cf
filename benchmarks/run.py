"""Run the autograd_lib benchmarks: ``python -m benchmarks.run [--smoke] [--only W2] ...``.

Everything runs on one thread.  The environment is fixed *before* NumPy or torch are imported
(see ``benchmarks/_env.py``: OMP_NUM_THREADS & co. are set to 1, and OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE, which may be set on this machine and slow NumPy down, are unset for this
process and its children), then threadpoolctl and torch.set_num_threads(1) enforce it.

Output: a table on stdout, ``results.json`` and ``results.png`` (in ``benchmarks/``, or in a
temporary directory for ``--smoke``, or in ``--out DIR``).

Exit status: 0 when the harness ran; 1 when an implementation raised an error, results
disagreed between implementations, or (with ``--strict``) a target was missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import _env

HERE = Path(__file__).resolve().parent
LIB = "autograd_lib"
MEMORY_TARGET = ("W3", 1.2)  # autograd_lib's W3 tracemalloc peak <= 1.2x hand-written NumPy
BASELINE_TARGET = 1.10  # autograd_lib / autograd_lib@REV on W1-W4 (issue 11: within 10%)
FUNCTION_TARGET = 1.5  # W1b-fn: a custom Function step / the same built-in step (issue 11)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_details() -> str:
    """Family/model/stepping and the widest SIMD, since the model name may be generic."""
    fields, flags = {}, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("cpu family", "model", "stepping") and key not in fields:
                    fields[key] = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        return ""
    simd = next((s for s in ("avx512f", "avx2", "avx", "sse4_2") if s in flags), "")
    return ", ".join(f"{k} {v}" for k, v in fields.items()) + (f", {simd}" if simd else "")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description="autograd_lib benchmarks (one thread)"
    )
    p.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes and few repeats: proves the harness works in seconds",
    )
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAMES",
        help="comma-separated workloads to run: W1, W1b, W2, W3 (both dtypes), "
        "W3-f32, W4, mem, leak (repeatable; default: all)",
    )
    p.add_argument(
        "--impls",
        default=None,
        metavar="NAMES",
        help="comma-separated implementations (default: all that apply)",
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="interleaved repeats per workload (default: per workload, 3 in smoke)",
    )
    p.add_argument(
        "--batch-ms",
        type=float,
        default=None,
        help="target duration of one timed batch (default 50 ms, 2 ms in smoke)",
    )
    p.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: process CPU time (default; robust to other jobs on the machine); wall: "
        "perf_counter",
    )
    p.add_argument("--out", type=Path, default=None, help="directory for results.json/.png")
    p.add_argument("--no-plot", action="store_true", help="do not write results.png")
    p.add_argument(
        "--no-memory", action="store_true", help="skip the peak-memory and leak subprocesses"
    )
    p.add_argument(
        "--baseline",
        action="append",
        default=[],
        metavar="REV",
        help="also time autograd_lib as of git revision REV (as autograd_lib@<short rev>) on "
        "W1, W1b, W2, W3, W4, interleaved with the current one, and show now/before "
        "(repeatable)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when autograd_lib misses a target")
    return p.parse_args(argv)


def selected(name: str, only: list[str]) -> bool:
    if not only:
        return True
    name = name.lower()
    return any(name == o or name.startswith(o + "-") for o in only)


def main(argv: list[str] | None = None) -> int:
    removed = _env.configure()  # before anything imports numpy
    args = parse_args(argv)
    only = [o.strip().lower() for item in args.only for o in item.split(",") if o.strip()]

    import numpy as np

    from benchmarks import report, timing, workloads

    sizes = workloads.SMOKE if args.smoke else workloads.FULL
    wanted = workloads.IMPLEMENTATIONS
    if args.impls:
        wanted = tuple(i.strip() for i in args.impls.split(",") if i.strip())
        unknown = set(wanted) - set(workloads.IMPLEMENTATIONS)
        if unknown:
            print(f"unknown implementation(s): {sorted(unknown)}", file=sys.stderr)
            return 2

    # Import every implementation up front, so all thread pools exist before they are limited.
    # Baselines first: importing one must not import the current autograd_lib (baseline.py).
    available, missing = {}, {}
    baselines: list[str] = []
    for rev in args.baseline:
        from benchmarks import baseline

        try:
            label, module, full = baseline.load(rev)
        except Exception as exc:
            missing[f"{LIB}@{rev}"] = f"{type(exc).__name__}: {exc}"
            continue
        if label in baselines:
            continue
        workloads.register(label, module)
        baselines.append(label)
        available[label] = f"{full[:12]} ({rev}), version {workloads.version_of(label)}"
    for impl in wanted:
        try:
            available[impl] = workloads.version_of(impl)
        except Exception as exc:  # ImportError, or a half-written library raising anything
            missing[impl] = f"{type(exc).__name__}: {exc}"
    _env.limit_runtime_threads()
    # Move the objects created by the imports (torch alone makes ~1e6) out of the collector's
    # reach, so the full collection before each timed batch takes microseconds, not 80 ms, and
    # collections during a batch cost what they would in a small script.
    gc.collect()
    gc.freeze()

    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "smoke": args.smoke,
        "cpu": cpu_model(),
        "cpu_details": cpu_details(),
        "cores": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "threads": 1,
        "clock": args.clock,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "versions": available,
        "missing": missing,
        "blas": _env.blas_info(),
        "openblas_overrides_removed": removed,
        "sizes": dataclasses.asdict(sizes),
    }
    smoke_note = " (SMOKE: tiny sizes, numbers not meaningful)" if args.smoke else ""
    print(f"autograd_lib benchmarks{smoke_note}")
    print(
        f"machine: {meta['cpu']} ({meta['cpu_details']}), {meta['cores']} cores; "
        f"1 thread, {args.clock} time; Python {meta['python']}, NumPy {meta['numpy']}"
    )
    for pool in meta["blas"]:
        print(
            f"thread pool: {pool['internal_api']} {pool['version'] or ''} "
            f"kernel={pool.get('architecture') or '-'} threads={pool['num_threads']} "
            f"({pool['prefix']})"
        )
    if removed:
        print("unset for this run: " + ", ".join(f"{k}={v}" for k, v in removed.items()))
    load1 = meta["loadavg_start"][0]
    if load1 > 1.0:
        print(
            f"warning: load average {load1:.2f} on {meta['cores']} cores: other processes "
            "compete with the benchmark; absolute times will be noisy (ratios less so)"
        )
    print("implementations: " + ", ".join(f"{k} {v}" for k, v in available.items()))
    for impl, why in missing.items():
        print(f"not available: {impl} ({why})")
    print(flush=True)

    timing.set_clock(args.clock)
    batch_s = (args.batch_ms / 1000) if args.batch_ms else (0.002 if args.smoke else 0.05)
    results: list[dict] = []
    problems: list[str] = []
    if LIB in missing:
        problems.append(f"{LIB} could not be imported: {missing[LIB]}")
    for impl, why in missing.items():
        if impl.startswith(LIB + "@"):
            problems.append(f"baseline {impl} could not be loaded: {why}")

    for wl in workloads.build_workloads(sizes, tuple(baselines)):
        if not selected(wl.key, only):
            continue
        repeats = args.repeats or (3 if args.smoke else wl.repeats)
        print(f"{wl.key}: {wl.title} ({repeats} repeats)", flush=True)
        results.extend(
            run_workload(wl, sizes, available, repeats, batch_s, problems, timing, workloads)
        )

    if not args.no_memory:
        mem_tasks = [
            w.key
            for w in workloads.build_workloads(sizes)
            if w.key.startswith(("W3", "W4")) and (selected("mem", only) or selected(w.key, only))
        ]
        leak = LIB in available and selected("leak", only)
        if mem_tasks or leak:
            print("memory: fresh subprocesses ...", flush=True)
            results.extend(run_memory(mem_tasks, leak, available, args.smoke, workloads))
        for r in results:
            if r["kind"] in ("memory", "leak") and r.get("error"):
                problems.append(f"{r['workload']} {r['kind']} / {r['impl']}: {r['error']}")

    time_rows = [r for r in results if r["kind"] == "time"]
    base_rows = baseline_comparison(time_rows, baselines)
    fn_rows = function_costs(time_rows, workloads.FUNCTION_STEPS)
    results.extend(base_rows + fn_rows)
    mem_rows = [r for r in results if r["kind"] == "memory"]
    leak_rows = [r for r in results if r["kind"] == "leak"]
    print()
    if time_rows:
        print(report.time_table(time_rows))
    if base_rows:
        print()
        print(report.baseline_table(base_rows))
    if fn_rows:
        print()
        print(report.function_table(fn_rows))
    if mem_rows:
        print()
        print(report.memory_table(mem_rows))
    if leak_rows:
        print()
        print(report.leak_lines(leak_rows))
    print()
    print(
        "median: median over interleaved repeats of the mean time per call in a batch; "
        "IQR: interquartile range of those samples / median (noise).\n"
        "vs X: this row's median / X's median (lower is better).  target and result apply to "
        "autograd_lib.\ncheck: the row's results agree with the reference implementation "
        "(numpy, else torch; for W1b-fn, the same variant of torch)."
        + (
            "\nvs baseline: now/before = autograd_lib's median / the baseline's median (the "
            "target applies to it); paired: median of the per-repeat ratios (the two ran back "
            "to back in every repeat), paired IQR: their IQR / median."
            if base_rows
            else ""
        )
        + (
            "\nFunction steps: step cost = median over repeats of (chain with the step - chain "
            "without it) per group; Function/built-in = ratio of those medians; paired IQR as "
            "above, of the per-repeat ratios."
            if fn_rows
            else ""
        )
    )

    out_dir = args.out or (
        Path(tempfile.gettempdir()) / "autograd_lib_bench_smoke" if args.smoke else HERE
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    meta["loadavg_end"] = os.getloadavg()
    document = {"meta": meta, "results": results, "problems": problems}
    report.write_json(out_dir / "results.json", document)
    written = [out_dir / "results.json"]
    if not args.no_plot:
        try:
            report.plot(out_dir / "results.png", document)
            written.append(out_dir / "results.png")
        except Exception as exc:
            problems.append(f"plot failed: {exc!r}")
    print("wrote " + ", ".join(str(p) for p in written))

    fails = [r for r in results if r.get("status") == "FAIL"]
    summary = sum(r.get("status") == "PASS" for r in results)
    print(f"targets: {summary} PASS, {len(fails)} FAIL")
    for p in problems:
        print(f"PROBLEM: {p}")
    if problems:
        return 1
    if args.strict and fails:
        return 1
    return 0


def run_workload(wl, sizes, available, repeats, batch_s, problems, timing, workloads):
    """Set up, check and time one workload; return its result rows."""
    cases, rows, probes, errors, skipped = {}, {}, {}, {}, {}
    for impl, factory in wl.factories.items():
        if impl_of(impl) not in available:
            continue
        try:
            case = factory(sizes)
            case.step()  # warm-up, and the state the probe reads
            probes[impl] = [float(v) for v in case.probe()]
            cases[impl] = case
        except workloads.Skipped as exc:
            skipped[impl] = str(exc)
            print(f"    {impl}: skipped: {exc}", flush=True)
        except Exception as exc:
            errors[impl] = timing._describe(exc)
            print(f"    {impl}: error: {errors[impl]}", flush=True)

    timings = timing.run_interleaved(
        {impl: c.step for impl, c in cases.items()},
        repeats,
        batch_s,
        log=lambda msg: print(msg, flush=True),
    )
    per = wl.per(sizes)
    for impl in wl.factories:
        if impl_of(impl) not in available:
            continue
        row = {
            "kind": "time",
            "workload": wl.key,
            "title": wl.title,
            "impl": impl,
            "unit": wl.unit,
            "per": per,
        }
        if impl in skipped:
            rows[impl] = row | {
                "median_s": None,
                "samples_s": [],
                "spread": None,
                "error": None,
                "skipped": skipped[impl],
                "probe": None,
            }
            continue
        t = timings.get(impl)
        error = errors.get(impl) or (t.error if t else None)
        median = None if error or t is None or t.median is None else t.median / per
        rows[impl] = row | {
            "median_s": median,
            "min_s": min(t.samples) / per if t and t.samples and not error else None,
            "samples_s": [s / per for s in t.samples] if t and not error else [],
            "spread": t.spread if t and not error else None,
            "number": t.number if t else 0,
            "error": error,
            "probe": probes.get(impl),
        }
        if error:
            problems.append(f"{wl.key} / {impl}: {error}")

    # Cross-check results against the reference implementation.
    import numpy as np

    for impl, row in rows.items():
        variant = variant_of(impl)
        refs = [with_variant(i, variant) for i in ("numpy", "torch")]
        ref = next((r for r in refs if r in probes), None)
        if impl not in probes or ref is None:
            row["check"] = "ERROR" if row["error"] else "-"
        elif impl == ref:
            row["check"] = "ref"
        elif len(probes[impl]) == len(probes[ref]) and np.allclose(
            probes[impl], probes[ref], rtol=wl.rtol, atol=1e-6
        ):
            row["check"] = "ok"
        else:
            row["check"] = "MISMATCH"
            problems.append(
                f"{wl.key} / {impl}: results differ from {ref}: {probes[impl]} vs {probes[ref]}"
            )

    # Ratios and targets.
    for impl, row in rows.items():
        for base in ("torch", "numpy"):
            b = rows.get(with_variant(base, variant_of(impl)))
            ok = row["median_s"] and b and b["median_s"]
            row[f"ratio_vs_{base}"] = row["median_s"] / b["median_s"] if ok else None
        row["target"] = row["status"] = row["baseline"] = row["target_ratio"] = None
    lib = rows.get(LIB)
    if lib and wl.target:
        base, limit = wl.target
        lib.update(target=f"<= {limit:g}x {base}", baseline=base, target_ratio=limit)
        ratio = lib[f"ratio_vs_{base}"]
        if lib["error"]:
            lib["status"] = "ERROR"
        elif ratio is None:
            lib["status"] = "n/a"
        else:
            lib["status"] = "PASS" if ratio <= limit else "FAIL"
    return list(rows.values())


def impl_of(key: str) -> str:
    """``autograd_lib/fn-tanh`` -> ``autograd_lib`` (W1b-fn's rows are variants of an impl)."""
    return key.split("/", 1)[0]


def variant_of(key: str) -> str:
    return key.split("/", 1)[1] if "/" in key else ""


def with_variant(impl: str, variant: str) -> str:
    return f"{impl}/{variant}" if variant else impl


def _median(values: list[float]) -> float | None:
    s = sorted(values)
    if not s:
        return None
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _iqr(values: list[float]) -> float | None:
    """Interquartile range / median, as ``timing.Timing.spread`` (None under 4 values)."""
    median = _median(values)
    if median is None or len(values) < 4 or median == 0:
        return None
    s = sorted(values)
    return (s[(3 * len(s)) // 4] - s[len(s) // 4]) / abs(median)


def baseline_comparison(time_rows: list[dict], baselines: list[str]) -> list[dict]:
    """autograd_lib against each baseline, per workload, from the same interleaved run.

    Sample i of every implementation comes from repeat i, where they ran back to back, so the
    per-repeat ratios are paired; their IQR is the noise of the ratio."""
    out = []
    by_key = {(r["workload"], r["impl"]): r for r in time_rows}
    for base in baselines:
        for (workload, impl), b in by_key.items():
            if impl != base:
                continue
            lib = by_key.get((workload, LIB))
            row = {
                "kind": "baseline",
                "workload": workload,
                "impl": LIB,
                "baseline_impl": base,
                "unit": b["unit"],
                "now_s": lib and lib["median_s"],
                "before_s": b["median_s"],
                "now_iqr": lib and lib.get("spread"),
                "before_iqr": b.get("spread"),
                "ratio": None,
                "paired_median": None,
                "paired_iqr": None,
                "target": f"<= {BASELINE_TARGET:g}x before",
                "status": "n/a",
            }
            if lib and lib["median_s"] and b["median_s"]:
                row["ratio"] = lib["median_s"] / b["median_s"]
                paired = [x / y for x, y in zip(lib["samples_s"], b["samples_s"]) if y]
                row["paired_median"] = _median(paired)
                row["paired_iqr"] = _iqr(paired)
                row["status"] = "PASS" if row["ratio"] <= BASELINE_TARGET else "FAIL"
            elif (lib and lib.get("error")) or b.get("error"):
                row["status"] = "ERROR"
            out.append(row)
    return out


def function_costs(time_rows: list[dict], steps: tuple[str, ...]) -> list[dict]:
    """W1b-fn: the cost of one chain step done by a custom Function and by the built-in op.

    step cost = median over repeats of (chain with the step - chain without it), per group of
    ops (both chains ran back to back in every repeat).  The target (<= FUNCTION_TARGET x the
    built-in step) applies to autograd_lib."""
    by_impl = {r["impl"]: r for r in time_rows if r["workload"] == "W1b-fn"}
    out = []
    for impl in (LIB, "torch"):
        for step in steps:
            builtin = by_impl.get(impl)
            fn = by_impl.get(f"{impl}/fn-{step}")
            without = by_impl.get(f"{impl}/no-{step}")
            if not (builtin and fn and without):
                continue
            row = {
                "kind": "function",
                "workload": "W1b-fn",
                "impl": impl,
                "step": step,
                "unit": builtin["unit"],
                "builtin_s": None,
                "function_s": None,
                "ratio": None,
                "paired_iqr": None,
                "note": fn.get("skipped") or fn.get("error") or without.get("error")
                or builtin.get("error"),
                "target": f"<= {FUNCTION_TARGET:g}x built-in" if impl == LIB else None,
                "status": None,
            }
            bs, fs, ws = builtin["samples_s"], fn["samples_s"], without["samples_s"]
            if not row["note"] and bs and fs and ws:
                d_builtin = [b - w for b, w in zip(bs, ws)]
                d_fn = [f - w for f, w in zip(fs, ws)]
                row["builtin_s"], row["function_s"] = _median(d_builtin), _median(d_fn)
                if row["builtin_s"] and row["builtin_s"] > 0:
                    row["ratio"] = row["function_s"] / row["builtin_s"]
                    row["paired_iqr"] = _iqr([f / b for f, b in zip(d_fn, d_builtin) if b > 0])
            if impl == LIB:
                if fn.get("skipped"):
                    row["status"] = "skipped"
                elif row["note"]:
                    row["status"] = "ERROR"
                elif row["ratio"] is None:
                    row["status"] = "n/a"
                else:
                    row["status"] = "PASS" if row["ratio"] <= FUNCTION_TARGET else "FAIL"
            out.append(row)
    torch_fn = {r["step"]: r["function_s"] for r in out if r["impl"] == "torch"}
    for r in out:
        t = torch_fn.get(r["step"])
        r["function_vs_torch"] = r["function_s"] / t if r["function_s"] and t else None
    return out


def run_memory(tasks, leak, available, smoke, workloads) -> list[dict]:
    """Peak memory per (task, implementation) and the leak check, in fresh subprocesses.

    Full run: one process per (task, implementation).  Smoke: one per implementation.
    """
    factories = workloads.memory_factories()
    jobs: list[tuple[str, list[str]]] = []
    for impl in available:
        impl_tasks = [t for t in tasks if (t, impl) in factories]
        if impl == LIB and leak:
            impl_tasks.append("leak")
        if not impl_tasks:
            continue
        if smoke:
            jobs.append((impl, impl_tasks))
        else:
            jobs.extend((impl, [t]) for t in impl_tasks)

    def run_job(job):
        impl, job_tasks = job
        cmd = [sys.executable, "-m", "benchmarks.memory", "--impl", impl]
        for t in job_tasks:
            cmd += ["--task", t]
        if smoke:
            cmd.append("--smoke")
        proc = subprocess.run(
            cmd, capture_output=True, text=True, cwd=HERE.parent, env=os.environ.copy()
        )
        try:
            return json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            err = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            return [
                {
                    "kind": "leak" if t == "leak" else "memory",
                    "workload": t,
                    "impl": impl,
                    "error": err,
                }
                for t in job_tasks
            ]

    # Memory is measured after all timings, so two processes at a time disturb nothing.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [r for batch in pool.map(run_job, jobs) for r in batch]

    order = {impl: i for i, impl in enumerate(workloads.IMPLEMENTATIONS)}
    results.sort(key=lambda r: (r["kind"], r["workload"], order.get(r["impl"], 99)))
    by_key = {(r["workload"], r["impl"]): r for r in results}
    for r in results:
        if r["kind"] != "memory":
            continue
        if r.get("error"):
            r["status"] = "ERROR" if r["impl"] == LIB else None
            continue
        np_row, torch_row = (
            by_key.get((r["workload"], "numpy")),
            by_key.get((r["workload"], "torch")),
        )
        peak, np_peak = r.get("tracemalloc_peak"), np_row and np_row.get("tracemalloc_peak")
        r["ratio_vs_numpy"] = peak / np_peak if peak and np_peak else None
        rss, t_rss = r.get("rss_growth"), torch_row and torch_row.get("rss_growth")
        r["ratio_vs_torch"] = rss / t_rss if rss and t_rss and t_rss > 0 else None
        r["target"] = r["status"] = None
        if r["impl"] == LIB and r["workload"].startswith(MEMORY_TARGET[0]):
            r["target"] = f"<= {MEMORY_TARGET[1]:g}x numpy"
            ratio = r["ratio_vs_numpy"]
            r["status"] = (
                "n/a" if ratio is None else ("PASS" if ratio <= MEMORY_TARGET[1] else "FAIL")
            )
    return results


if __name__ == "__main__":
    sys.exit(main())
