"""Timing one call: timeit's loop count calibrated to --min-time, samples interleaved.

The first call (construction, tracing, compilation) is timed by the caller; these time
the steady state, adapter and native side by side.
"""

import math
import resource
import statistics
import time
import timeit

SLOW_CALL = 1.0        # seconds: no separate warm-up call, fewer samples


class _Calibrated(Exception):
    def __init__(self, number):
        self.number = number


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def maxrss_mb() -> float:
    """Peak resident memory of this worker so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def calibrate(timer: timeit.Timer, min_time: float, per_call: float) -> int:
    """Loop count for samples of >= min_time: timeit's autorange, stopped at min_time."""
    if per_call >= min_time:
        return 1

    def enough(number, taken):
        if taken >= min_time:
            raise _Calibrated(number)

    try:
        number, taken = timer.autorange(enough)   # autorange itself stops at 0.2 s
    except _Calibrated as done:
        return done.number
    return max(1, math.ceil(number * min_time / taken))


def interleaved(timed: dict, min_time: float, repeats: int) -> dict:
    """Steady state of several callables, samples interleaved round by round.

    Alternating adapter and native samples (order flipped each round) exposes both
    to the same machine load, so their ratio survives a busy machine better than
    two runs one after the other. Returns impl -> timing figures.
    """
    timers = {impl: timeit.Timer(call) for impl, (call, _) in timed.items()}
    numbers = {impl: calibrate(timers[impl], min_time, warm) for impl, (_, warm) in timed.items()}
    slowest = max(warm for _, warm in timed.values())
    if slowest > SLOW_CALL:   # slow calls: fewer samples, never fewer than two
        repeats = max(2, min(repeats, int(5.0 / slowest)))
    samples = {impl: [] for impl in timed}
    cpu = dict.fromkeys(timed, 0.0)
    wall = dict.fromkeys(timed, 0.0)
    order = list(timed)
    for _ in range(repeats):
        for impl in order:
            w0, c0 = time.perf_counter(), _cpu()
            (total,) = timers[impl].repeat(repeat=1, number=numbers[impl])
            wall[impl] += time.perf_counter() - w0
            cpu[impl] += _cpu() - c0
            samples[impl].append(total / numbers[impl])
        order.reverse()
    out = {impl: {"median_s": statistics.median(xs), "min_s": min(xs), "samples_s": xs,
                  "number": numbers[impl], "repeats": repeats,
                  "cpu_per_wall": round(cpu[impl] / wall[impl], 2) if wall[impl] else None}
           for impl, xs in samples.items()}
    if set(samples) == {"adapter", "native"}:
        out["adapter"]["paired_overhead"] = statistics.median(
            a / b for a, b in zip(samples["adapter"], samples["native"]))
    return out

