"""Profile autograd_lib on the small workloads: ``python -m benchmarks.profile_lib``.

Runs W1, W1b and W2 (or ``--only``) under cProfile, many iterations each, and prints where
the time goes: the top functions by own time (with their share of the total) and the same
grouped by source file.  Pass ``--impl torch`` or ``--impl mygrad`` to compare.

cProfile adds a fixed cost per Python call, so it exaggerates small, frequently called
functions; use the shares to find hot spots, and ``benchmarks.run`` to measure the effect of
a change.
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


def main(argv: list[str] | None = None) -> int:
    _env.configure()
    p = argparse.ArgumentParser(description="cProfile autograd_lib on W1, W1b and W2")
    p.add_argument("--impl", default="autograd_lib")
    p.add_argument("--only", default="W1,W1b,W2", help="comma-separated workloads")
    p.add_argument("--seconds", type=float, default=2.0, help="profiled time per workload")
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)

    from benchmarks import workloads

    workloads.load(args.impl)
    _env.limit_runtime_threads()
    gc.collect()
    gc.freeze()
    wanted = {w.strip().lower() for w in args.only.split(",")}
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
