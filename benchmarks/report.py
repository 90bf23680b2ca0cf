"""Formatting of the results: text tables, results.json and the bar plot."""

from __future__ import annotations

import json
import math
from pathlib import Path

LIB = "autograd_lib"
MiB = 1024 * 1024


def fmt_time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.3g}x"


def fmt_bytes(n: float | None, sign: bool = False) -> str:
    if n is None:
        return "-"
    return f"{n / MiB:+.2f} MiB" if sign else f"{n / MiB:.2f} MiB"


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]

    def line(cells):
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def time_table(rows: list[dict]) -> str:
    header = [
        "workload",
        "implementation",
        "median",
        "IQR",
        "per",
        "vs torch",
        "vs numpy",
        "target",
        "result",
        "check",
    ]
    body = []
    for r in rows:
        median = (
            "ERROR"
            if r.get("error")
            else "skipped"
            if r.get("skipped")
            else fmt_time(r.get("median_s"))
        )
        body.append(
            [
                r["workload"],
                r["impl"],
                median,
                _pct(r.get("spread")),
                r["unit"],
                fmt_ratio(r.get("ratio_vs_torch")),
                fmt_ratio(r.get("ratio_vs_numpy")),
                r.get("target") or "",
                r.get("status") or "",
                r.get("check") or "",
            ]
        )
    return _table(header, body, right={2, 3, 5, 6})


def _pct(spread: float | None) -> str:
    return "-" if spread is None else f"{100 * spread:.0f}%"


def baseline_table(rows: list[dict]) -> str:
    """autograd_lib now against autograd_lib@REV, same run (``--baseline``)."""
    header = [
        "vs baseline",
        "per",
        "autograd_lib",
        "IQR",
        "before",
        "IQR",
        "baseline",
        "now/before",
        "paired",
        "paired IQR",
        "target",
        "result",
    ]
    body = [
        [
            r["workload"],
            r["unit"],
            fmt_time(r.get("now_s")),
            _pct(r.get("now_iqr")),
            fmt_time(r.get("before_s")),
            _pct(r.get("before_iqr")),
            r["baseline_impl"],
            fmt_ratio(r.get("ratio")),
            fmt_ratio(r.get("paired_median")),
            _pct(r.get("paired_iqr")),
            r.get("target") or "",
            r.get("status") or "",
        ]
        for r in rows
    ]
    return _table(header, body, right={2, 3, 4, 5, 7, 8, 9})


def function_table(rows: list[dict]) -> str:
    """W1b-fn: one chain step as a custom autograd.Function against the built-in op."""
    header = [
        "Function steps",
        "step",
        "built-in",
        "Function",
        "Function/built-in",
        "paired IQR",
        "Function vs torch",
        "target",
        "result",
    ]
    body = [
        [
            r["impl"],
            f"{r['step']} (per {r['unit']})",
            fmt_time(r.get("builtin_s")),
            fmt_time(r.get("function_s")) if not r.get("note") else r["note"][:60],
            fmt_ratio(r.get("ratio")),
            _pct(r.get("paired_iqr")),
            fmt_ratio(r.get("function_vs_torch")),
            r.get("target") or "",
            r.get("status") or "",
        ]
        for r in rows
    ]
    return _table(header, body, right={2, 4, 5, 6})


def memory_table(rows: list[dict]) -> str:
    header = [
        "workload",
        "implementation",
        "tracemalloc peak",
        "step extra",
        "RSS growth",
        "vs torch (RSS)",
        "vs numpy (peak)",
        "target",
        "result",
    ]
    body = []
    for r in rows:
        if r.get("error"):
            body.append(
                [
                    r["workload"],
                    r["impl"],
                    "ERROR",
                    "",
                    "",
                    "",
                    "",
                    r.get("target") or "",
                    r.get("status") or "",
                ]
            )
            continue
        body.append(
            [
                r["workload"] + " mem",
                r["impl"],
                fmt_bytes(r.get("tracemalloc_peak")),
                fmt_bytes(r.get("step_extra")),
                fmt_bytes(r.get("rss_growth"), sign=True),
                fmt_ratio(r.get("ratio_vs_torch")),
                fmt_ratio(r.get("ratio_vs_numpy")),
                r.get("target") or "",
                r.get("status") or "",
            ]
        )
    return _table(header, body, right={2, 3, 4, 5, 6})


def leak_lines(rows: list[dict]) -> str:
    out = []
    for r in rows:
        if r.get("error"):
            out.append(f"leak check {r['impl']}: ERROR {r['error']}")
            continue
        out.append(
            f"leak check {r['impl']}: {r['warmup_epochs']} warm-up + {r['epochs']} traced W2 "
            f"epochs; tracemalloc current: epoch 1 {r['first'] / 1024:.1f} KiB, "
            f"last {r['last'] / 1024:.1f} KiB, growth {r['growth'] / 1024:+.1f} KiB "
            f"({r['bytes_per_epoch']:+.2f} B/epoch), second half "
            f"{r['growth_second_half'] / 1024:+.1f} KiB (tolerance {r['tolerance'] // 1024} KiB)"
            f" -> {r['status']}; cyclic garbage {r['cyclic_objects_per_epoch']:.1f} objects/epoch"
        )
    return "\n".join(out)


def write_json(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, indent=2, default=_jsonable) + "\n")


def _jsonable(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def plot(path: Path, document: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    timings = [r for r in document["results"] if r["kind"] == "time"]
    memory = [r for r in document["results"] if r["kind"] == "memory" and not r.get("error")]
    leaks = [r for r in document["results"] if r["kind"] == "leak" and not r.get("error")]
    workloads = list(dict.fromkeys(r["workload"] for r in timings))
    panels = len(workloads) + (1 if memory else 0) + (1 if leaks else 0)
    if panels == 0:
        return
    cols = 3
    rows_n = math.ceil(panels / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(5.2 * cols, 3.8 * rows_n), squeeze=False)
    flat = axes.ravel()
    colors = {
        "autograd_lib": "tab:red",
        "torch": "tab:orange",
        "numpy": "tab:blue",
        "mygrad": "tab:green",
        "hips": "tab:purple",
        "micrograd": "tab:brown",
    }

    for ax, key in zip(flat, workloads):
        rows = [r for r in timings if r["workload"] == key and r.get("median_s")]
        if not rows:
            ax.set_title(f"{key}: no data")
            continue
        names = [r["impl"] for r in rows]
        scale, unit = next(
            (f, u)
            for f, u in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us"), (1e-9, "ns"))
            if max(r["median_s"] for r in rows) >= f or u == "ns"
        )
        values = [r["median_s"] / scale for r in rows]
        ax.bar(names, values, color=[colors.get(n, "gray") for n in names])
        ax.set_ylim(0, max(values) * 1.3)  # room for the labels
        ax.set_ylabel(f"median time per {rows[0]['unit']} [{unit}]")
        ax.set_title(f"{key}: {rows[0]['title']}", fontsize=8)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        lib = next((r for r in rows if r["impl"] == LIB), None)
        base = lib and lib.get("baseline")
        base_row = next((r for r in rows if r["impl"] == base), None)
        if lib and base_row and lib.get("target_ratio"):
            limit = base_row["median_s"] / scale * lib["target_ratio"]
            ax.axhline(limit, color="k", ls="--", lw=1, label=f"target: {LIB} {lib['target']}")
            ax.legend(fontsize=7, loc="best")
        for i, (r, v) in enumerate(zip(rows, values)):
            label = fmt_ratio(r.get("ratio_vs_torch")) + " torch"
            if r.get("ratio_vs_numpy") is not None:
                label += "\n" + fmt_ratio(r["ratio_vs_numpy"]) + " numpy"
            ax.annotate(label, (i, v), ha="center", va="bottom", fontsize=7)
    used = len(workloads)

    if memory:
        ax = flat[used]
        used += 1
        tasks = list(dict.fromkeys(r["workload"] for r in memory))
        impls = list(dict.fromkeys(r["impl"] for r in memory))
        width = 0.8 / max(len(impls), 1)
        for j, impl in enumerate(impls):
            vals = []
            for t in tasks:
                r = next((m for m in memory if m["workload"] == t and m["impl"] == impl), None)
                v = r and (r.get("tracemalloc_peak") or r.get("rss_growth"))
                vals.append((v or 0) / MiB)
            xs = [i + j * width for i in range(len(tasks))]
            ax.bar(xs, vals, width, label=impl, color=colors.get(impl, "gray"))
        ax.set_xticks([i + width * (len(impls) - 1) / 2 for i in range(len(tasks))], tasks)
        ax.set_ylabel("peak memory [MiB]")
        ax.set_title("peak memory (tracemalloc; torch: RSS growth)", fontsize=8)
        ax.legend(fontsize=7)

    if leaks:
        ax = flat[used]
        used += 1
        for r in leaks:
            epochs, values = zip(*r["samples"])
            leak = [(values[0] + 32 * (e - epochs[0])) / 1024 for e in epochs]
            ax.plot(epochs, leak, ls=":", color="gray", label="if 32 B leaked per epoch")
            ax.plot(
                epochs,
                [v / 1024 for v in values],
                marker="o",
                label=r["impl"],
                color=colors.get(r["impl"], "gray"),
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel("tracemalloc current [KiB]")
        ax.set_ylim(bottom=0)
        ax.set_title("leak check: W2 epochs", fontsize=8)
        ax.legend(fontsize=7)

    for ax in flat[used:]:
        ax.axis("off")
    meta = document["meta"]
    fig.suptitle(
        f"autograd_lib benchmarks - {meta['cpu']} ({meta['cores']} cores), 1 thread"
        + (" - SMOKE (tiny sizes, not meaningful)" if meta.get("smoke") else ""),
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
