"""Peak memory and leak check, measured in a fresh process.

``benchmarks.run`` starts ``python -m benchmarks.memory --impl IMPL --task TASK ...`` and reads
one JSON document from the last line of its stdout.  A fresh interpreter per implementation
(per task, in a full run) keeps one library's caches and heap fragmentation from counting
against another.

Two measurements per task (W3-f32, W3-f64, W4):

* ``rss_growth``: peak resident set size while building the data and running two steps, minus
  the resident size before (Linux: VmHWM, reset through /proc/self/clear_refs).  Works for
  every implementation, torch included (its CPU allocator is invisible to tracemalloc).
* ``tracemalloc``: for NumPy-based implementations (NumPy registers its data buffers with
  tracemalloc).  Tracing starts before the data is built; after one warm-up step the peak is
  reset and two more steps run.  ``peak`` is the traced peak during those steps (data,
  parameters and everything kept between steps included), ``resident`` is what is traced
  between steps, and ``step_extra`` = peak - resident is what one step allocates on top.

Task ``leak``: W2's epoch, first ``leak_epochs // 10`` times untraced (warm-up), then
``leak_epochs`` times under tracemalloc, sampling the traced memory (after ``gc.collect()``)
at 11 checkpoints and counting the objects the cyclic garbage collector had to free (a sign of
reference cycles in the graph).  PASS when the second half grows by at most 16 KiB.
"""

from __future__ import annotations

import argparse
import array
import gc
import json
import sys
import tracemalloc

from benchmarks import _env

TRACEMALLOC_IMPLS = ("numpy", "autograd_lib", "mygrad")
# Allowed growth of traced memory over the second half of the leak check (5,000 epochs in a
# full run).  Free lists filling up account for up to ~27 KiB in all, most of it in the first
# half; one leaked object per epoch would add 5,000 x >= 32 bytes = 160 KB or more.
LEAK_TOLERANCE_BYTES = 16 * 1024


def _proc_status(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def _peak_rss() -> int:
    hwm = _proc_status("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _current_rss() -> int:
    rss = _proc_status("VmRSS")
    return rss if rss is not None else _peak_rss()


def measure_task(task: str, impl: str, sizes) -> dict:
    from benchmarks.workloads import SMOKE, memory_factories

    factory = memory_factories()[(task, impl)]
    result: dict = {"kind": "memory", "workload": task, "impl": impl}

    # Warm up on a tiny instance first: one-time lazy initialisation (OpenBLAS' work buffers,
    # torch's kernels, a library's caches) is not part of a step's memory.
    warm = factory(SMOKE)
    warm.step()
    del warm
    gc.collect()

    rss_before = _current_rss()
    exact = _reset_peak_rss()
    case = factory(sizes)
    case.step()
    case.step()
    result["rss_growth"] = _peak_rss() - rss_before
    result["rss_exact"] = exact
    del case
    gc.collect()

    if impl in TRACEMALLOC_IMPLS:
        tracemalloc.start()
        case = factory(sizes)
        case.step()
        gc.collect()
        resident = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        case.step()
        case.step()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del case
        result.update(tracemalloc_peak=peak, resident=resident, step_extra=peak - resident)
    return result


def leak_check(impl: str, epochs: int) -> dict:
    from benchmarks.workloads import _TorchAPI

    collected = [0]

    def count(phase, info):
        if phase == "stop":
            collected[0] += info["collected"]

    checkpoints = sorted({1, *(round(epochs * k / 10) for k in range(1, 11))})
    # Preallocated, so that recording a sample allocates nothing that the next one would see.
    traced = array.array("q", [0] * len(checkpoints))
    next_index = 0
    epoch_fn = _TorchAPI(impl).leak_epoch()
    # Warm up untraced: CPython's free lists (floats, tuples, ...) and any cache fill up with
    # objects that tracemalloc never sees.  Traced, that filling looks like slow growth that
    # levels off after a few thousand epochs; a leak grows linearly.
    warmup = max(epochs // 10, 1)
    for epoch in range(warmup):
        epoch_fn(epoch)
    gc.collect()
    tracemalloc.start()
    gc.callbacks.append(count)
    try:
        for epoch in range(1, epochs + 1):
            epoch_fn(warmup + epoch - 1)
            if epoch == checkpoints[next_index]:
                gc.collect()
                traced[next_index] = tracemalloc.get_traced_memory()[0]
                next_index = min(next_index + 1, len(checkpoints) - 1)
    finally:
        gc.callbacks.remove(count)
        tracemalloc.stop()
    samples = list(zip(checkpoints, traced))
    first, last = samples[0][1], samples[-1][1]
    half = samples[len(samples) // 2]  # the second half must be flat: a leak is linear
    growth_2nd_half = last - half[1]
    return {
        "kind": "leak",
        "workload": "leak",
        "impl": impl,
        "epochs": epochs,
        "warmup_epochs": warmup,
        "samples": samples,
        "first": first,
        "last": last,
        "growth": last - first,
        "growth_second_half": growth_2nd_half,
        "bytes_per_epoch": (last - first) / max(epochs - 1, 1),
        "cyclic_objects_per_epoch": collected[0] / epochs,
        "tolerance": LEAK_TOLERANCE_BYTES,
        "status": "PASS" if growth_2nd_half <= LEAK_TOLERANCE_BYTES else "FAIL",
    }


def main(argv: list[str] | None = None) -> int:
    _env.configure()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", required=True)
    parser.add_argument("--task", action="append", required=True, help="W3-f32, W4, leak, ...")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)

    from benchmarks.workloads import FULL, SMOKE, load

    sizes = SMOKE if args.smoke else FULL
    results = []
    try:
        load(args.impl)
    except Exception as exc:
        print(json.dumps([{"impl": args.impl, "error": f"{type(exc).__name__}: {exc}"}]))
        return 0
    _env.limit_runtime_threads()
    gc.collect()
    gc.freeze()  # the imports' objects: out of the collector's way, as in benchmarks.run
    for task in args.task:
        try:
            if task == "leak":
                results.append(leak_check(args.impl, sizes.leak_epochs))
            else:
                results.append(measure_task(task, args.impl, sizes))
        except Exception as exc:
            if tracemalloc.is_tracing():
                tracemalloc.stop()
            kind = "leak" if task == "leak" else "memory"
            results.append({"kind": kind, "workload": task, "impl": args.impl, "error": f"{exc!r}"})
        gc.collect()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
