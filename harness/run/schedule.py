"""In what order `harness run` gives its workers the --jobs slots: longest first.

Longest-processing-time first: the slow workers (framework import + compute) start
at once, the short ones fill in beside them, and no core idles at the end while one
slow worker runs alone. The order comes from the previous run's wall times in --out
when it timed every backend, else from LAUNCH_ORDER (a warm run on 2 cores).
"""

import json
import threading
from pathlib import Path

from harness.facts import REFERENCE

LAUNCH_ORDER = ("tensorflow", "jax", "torch", "mxnet", "numpy", REFERENCE)


def launch_order(backends, out: Path) -> list[str]:
    """Longest first: by the previous run in `out` when it timed every one of `backends`,
    else other backends (unknown costs: maybe slow) then LAUNCH_ORDER."""
    try:
        timed = json.loads((Path(out) / "run.json").read_text("utf-8"))["timings"]["backends"]
        walls = {b: float(timed[b]["wall_seconds"]) for b in backends}
    except (OSError, ValueError, KeyError, TypeError):
        known = [b for b in LAUNCH_ORDER if b in backends]
        return [b for b in backends if b not in known] + known
    return sorted(backends, key=lambda b: -walls[b])


class OrderedSlots:
    """--jobs slots handed out by rank in the launch order, not to whichever thread asks
    first (a semaphore would start the workers in random order)."""

    def __init__(self, jobs: int, order: list[str]):
        self.cond = threading.Condition()
        self.free = jobs
        self.rank = {b: i for i, b in enumerate(order)}
        self.waiting: list[int] = []

    def acquire(self, backend: str, timeout: float) -> bool:
        rank = self.rank[backend]
        with self.cond:
            self.waiting.append(rank)
            try:
                granted = self.cond.wait_for(
                    lambda: self.free > 0 and min(self.waiting) == rank, timeout)
                if granted:
                    self.free -= 1
                return granted
            finally:
                self.waiting.remove(rank)
                self.cond.notify_all()

    def release(self) -> None:
        with self.cond:
            self.free += 1
            self.cond.notify_all()
