"""Profile autograd_lib on the small workloads: ``python -m benchmarks.profile_lib``.

First, without any profiler, splits each workload into phases (leaf creation, forward,
backward, update, ...) by timing growing prefixes of it, for autograd_lib and torch side by
side: that split is exact, where a profiler's is not.  Then runs W1, W1b and W2 (or
``--only``) under cProfile, many iterations each, and prints the top functions by own time
(with their share of the total) and the same grouped by source file.  ``--impl torch`` profiles
torch instead.

cProfile adds a fixed cost per Python call (here it made W1 about 5x slower), so it
exaggerates small, frequently called functions; use its shares to find hot spots, the phase
split to size them, and ``benchmarks.run`` to measure the effect of a change.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import sys
import time
from collections import defaultdict

from benchmarks import _env


def profile_case(step, seconds: float) -> tuple[pstats.Stats, int, float]:
    step()  # warm-up
    start = time.perf_counter()
    number = 0
    while time.perf_counter() - start < seconds / 4:
        step()
        number += 1
    number = max(number * 4, 1)
    gc.collect()
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for _ in range(number):
        step()
    profiler.disable()
    elapsed = time.perf_counter() - t0
    return pstats.Stats(profiler), number, elapsed


def _short(filename: str) -> str:
    """Path relative to site-packages, the repository or the standard library."""
    if "site-packages/" in filename:
        return filename.split("site-packages/")[-1]
    if "/lib/python3" in filename:
        return "stdlib/" + filename.split("/lib/python3")[-1].split("/", 1)[-1]
    return filename.split("/work/main/")[-1]


def _where(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name  # a built-in, e.g. <built-in method numpy.asarray>
    return f"{_short(filename)}:{line}({name})"


def summarize(stats: pstats.Stats, number: int, top: int) -> str:
    entries = stats.stats  # {func: (cc, nc, tottime, cumtime, callers)}
    total = sum(v[2] for v in entries.values()) or 1e-12
    out = io.StringIO()
    out.write(f"{'own %':>6} {'cum %':>6} {'calls/it':>9} {'own us/it':>10}  function\n")
    rows = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    for func, (_cc, nc, tt, ct, _callers) in rows:
        out.write(
            f"{100 * tt / total:6.1f} {100 * ct / total:6.1f} {nc / number:9.1f} "
            f"{1e6 * tt / number:10.2f}  {_where(func)}\n"
        )
    by_file: dict[str, float] = defaultdict(float)
    for (filename, _line, name), v in entries.items():
        key = name if filename == "~" else _short(filename)
        by_file[key] += v[2]
    out.write("\nown time by file (built-ins by name):\n")
    for key, tt in sorted(by_file.items(), key=lambda kv: kv[1], reverse=True)[:top]:
        out.write(f"{100 * tt / total:6.1f}%  {key}\n")
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Phase split: time prefixes of a workload, no profiler involved.
# --------------------------------------------------------------------------------------------


def _w1_prefix(T, stage: int):
    def run():
        x = T.tensor(2.0, requires_grad=True)
        if stage >= 1:
            y = x**2 + 3 * x + 1
            if stage >= 2:
                y.backward()
                return x.grad

    return run


def _w1b_prefix(T, stage: int, groups: int = 25):
    from benchmarks.workloads import scalar_chain  # after _env.configure() (it imports numpy)

    def run():
        x = T.tensor(0.5, requires_grad=True)
        if stage >= 1:
            y = scalar_chain(x, groups, T.tanh)
            if stage >= 2:
                y.backward()
                return x.grad

    return run


def _w2_prefix(T, stage: int):
    """One epoch of W2, stopped after ``stage``: 0 forward, 1 backward, 2 update, 3 zero_,
    4 item.  (Each prefix has its own leaves, so the prefixes do not depend on each other.)"""
    x_train = T.tensor([[1.0], [2.0], [3.0]])
    y_train = T.tensor([[2.0], [4.0], [6.0]])
    w = T.tensor([[0.0]], requires_grad=True)
    b = T.tensor([[0.0]], requires_grad=True)
    lr = 0.01

    def run():
        nonlocal w, b
        y_pred = x_train.mm(w) + b
        loss = ((y_pred - y_train) ** 2).mean()
        if stage >= 1:
            loss.backward()
        if stage >= 2:
            with T.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
        if stage >= 3:
            w.grad.zero_()
            b.grad.zero_()
        if stage >= 4:
            loss.item()

    return run


PHASES = {
    "W1": (_w1_prefix, ("leaf tensor()", "forward (4 ops: **, *, +, +)", "backward")),
    "W1b": (_w1b_prefix, ("leaf tensor()", "forward (100 ops)", "backward (100 nodes)")),
    "W2": (
        _w2_prefix,
        (
            "forward (mm, add, sub, pow, mean)",
            "backward",
            "update (no_grad, 2x sub_)",
            "2x grad.zero_()",
            "loss.item()",
        ),
    ),
}


def _best(timing) -> float:
    # The minimum, not the median: interference from other processes only ever adds time,
    # and differences of prefixes amplify noise.
    return min(timing.samples) if timing.samples and not timing.error else float("nan")


def phase_split(impls: list[str], wanted: set[str], seconds: float, repeats: int = 15) -> str:
    from benchmarks import workloads
    from benchmarks.timing import run_interleaved

    out = io.StringIO()
    modules = {impl: workloads.load(impl) for impl in impls}
    for key, (prefix, names) in PHASES.items():
        if key.lower() not in wanted:
            continue
        out.write(
            f"--- {key}: time per phase (us, best of {repeats} interleaved batches, no profiler;"
            f" ratio = {impls[0]} / {impls[-1]})\n"
        )
        steps = {
            (impl, stage): prefix(T, stage)
            for impl, T in modules.items()
            for stage in range(len(names))
        }
        # All prefixes of all implementations interleaved, so that noise hits them alike.
        timed = run_interleaved(steps, repeats=repeats, batch_s=seconds / len(steps) / repeats)
        cumulative = {
            impl: [_best(timed[(impl, stage)]) for stage in range(len(names))] for impl in impls
        }
        header = "".join(f"{impl:>14}" for impl in impls)
        out.write(f"{'phase':<40}{header}{'ratio':>8}\n")
        for i, name in enumerate(names):
            row = []
            for impl in impls:
                c = cumulative[impl]
                row.append(c[i] - (c[i - 1] if i else 0.0))
            ratio = row[0] / row[-1] if row[-1] > 0 else float("nan")
            out.write(f"{name:<40}" + "".join(f"{1e6 * v:14.2f}" for v in row) + f"{ratio:8.2f}\n")
        totals = [cumulative[impl][-1] for impl in impls]
        out.write(
            f"{'total':<40}"
            + "".join(f"{1e6 * v:14.2f}" for v in totals)
            + f"{totals[0] / totals[-1]:8.2f}\n\n"
        )
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    _env.configure()
    p = argparse.ArgumentParser(description="cProfile autograd_lib on W1, W1b and W2")
    p.add_argument("--impl", default="autograd_lib")
    p.add_argument("--only", default="W1,W1b,W2", help="comma-separated workloads")
    p.add_argument("--seconds", type=float, default=2.0, help="profiled time per workload")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--no-split", action="store_true", help="skip the phase split")
    args = p.parse_args(argv)

    from benchmarks import workloads

    workloads.load(args.impl)
    compare = [args.impl] + (["torch"] if args.impl != "torch" else [])
    for impl in compare:
        workloads.load(impl)
    _env.limit_runtime_threads()
    gc.collect()
    gc.freeze()
    wanted = {w.strip().lower() for w in args.only.split(",")}
    if not args.no_split:
        print(phase_split(compare, wanted, args.seconds))
    for wl in workloads.build_workloads(workloads.FULL):
        if wl.key.lower() not in wanted or args.impl not in wl.factories:
            continue
        case = wl.factories[args.impl](workloads.FULL)
        stats, number, elapsed = profile_case(case.step, args.seconds)
        print(f"=== {wl.key} ({args.impl}): {wl.title}")
        print(
            f"{number} iterations profiled, {1e6 * elapsed / number:.1f} us per iteration "
            "under the profiler"
        )
        print(summarize(stats, number, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
