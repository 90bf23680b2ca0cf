"""Interleaved timing: round-robin repeats across implementations.

Each implementation first gets a calibrated batch size (``number`` calls taking about
``batch_s`` seconds, like ``timeit.autorange``).  Then, for every repeat, each implementation
runs one batch in turn, the order rotating from repeat to repeat, so that slow drifts of the
machine (frequency, noisy neighbours) hit every implementation alike.  One sample is the mean
time of one call within a batch; the reported figure is the median of the samples.

Clock: by default the process's CPU time (``time.process_time``, user + system), not wall
time.  Everything runs on one thread, so the two are equal on an idle machine; on a shared one
(this machine has 2 cores and other jobs) CPU time leaves out the time the process spends
descheduled, which is most of the noise.  ``--clock wall`` uses ``time.perf_counter``.

The garbage collector stays enabled while timing (a library that creates reference cycles pays
for them, as it would in real use) but runs a full collection before each batch so every batch
starts from the same state.
"""

from __future__ import annotations

import gc
import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timing:
    impl: str
    number: int = 0  # calls per batch
    samples: list[float] = field(default_factory=list)  # seconds per call, one per batch
    error: str | None = None

    @property
    def median(self) -> float | None:
        if self.error or not self.samples:
            return None
        s = sorted(self.samples)
        mid = len(s) // 2
        return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2

    @property
    def spread(self) -> float | None:
        """Interquartile range relative to the median: how noisy the samples were."""
        median = self.median
        if median is None or len(self.samples) < 4:
            return None
        s = sorted(self.samples)
        q1, q3 = s[len(s) // 4], s[(3 * len(s)) // 4]
        return (q3 - q1) / median


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
_clock = CLOCKS["cpu"]


def set_clock(name: str) -> None:
    global _clock
    _clock = CLOCKS[name]


def _batch(step: Callable[[], object], number: int) -> float:
    clock = _clock
    gc.collect()
    start = clock()
    for _ in range(number):
        step()
    return (clock() - start) / number


def _describe(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:]
    where = f" ({last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


def calibrate(step: Callable[[], object], batch_s: float, max_number: int = 1_000_000) -> int:
    """Number of calls that take about ``batch_s`` seconds (at least one)."""
    per_call = _batch(step, 1)
    number = 1
    # Re-estimate with a longer batch while the estimate is based on a short one.
    while per_call * number < batch_s / 4 and number < max_number:
        number = min(max_number, max(number * 10, math.ceil(batch_s / 4 / max(per_call, 1e-9))))
        per_call = _batch(step, number)
    return max(1, min(max_number, math.ceil(batch_s / max(per_call, 1e-9))))


def run_interleaved(
    steps: dict[str, Callable[[], object]],
    repeats: int,
    batch_s: float,
    log: Callable[[str], None] = lambda msg: None,
) -> dict[str, Timing]:
    """Time every step function, interleaving the repeats; errors are recorded, not raised."""
    timings = {impl: Timing(impl) for impl in steps}
    for impl, step in steps.items():
        try:
            timings[impl].number = calibrate(step, batch_s)
        except Exception as exc:  # an implementation failing must not stop the others
            timings[impl].error = _describe(exc)
            log(f"    {impl}: error while calibrating: {timings[impl].error}")
    live = [impl for impl in steps if timings[impl].error is None]
    for r in range(repeats):
        order = live[r % len(live) :] + live[: r % len(live)] if live else []
        for impl in order:
            t = timings[impl]
            if t.error:
                continue
            try:
                t.samples.append(_batch(steps[impl], t.number))
            except Exception as exc:
                t.error = _describe(exc)
                log(f"    {impl}: error while timing: {t.error}")
    return timings
