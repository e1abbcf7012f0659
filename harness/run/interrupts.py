"""SIGINT and SIGTERM while a run or compare is going: remembered, never raised.

A handler that raises (KeyboardInterrupt) can land anywhere: in the middle of writing
the reports, or a second time inside the code that handles the first, leaving no
report at all. Instead the first signal's number is kept and the command polls it:
it stops the workers, skips or cuts short the figures and writes all reports, which
record the signal; later signals (Ctrl-C pressed again) change nothing. The command
then exits 128 + signum: 130 for SIGINT, 143 for SIGTERM.
"""

import signal

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """`with Interrupts() as stop:` ... `stop.signum` is None or the first signal's number."""

    def __init__(self):
        self.signum = None
        self.count = 0
        self._old: dict = {}

    def _handle(self, signum, frame):
        self.count += 1
        if self.signum is None:
            self.signum = signum

    def received(self):
        """The first signal's number, or None: for harness.reports.Context(signal=...)."""
        return self.signum

    def exit_status(self, status: int) -> int:
        """`status`, unless a signal came: then 128 + its number."""
        return status if self.signum is None else 128 + self.signum

    def install(self) -> "Interrupts":
        for s in SIGNALS:  # installed even where the parent ignores SIGINT (nohup, CI)
            self._old[s] = signal.signal(s, self._handle)
        return self

    def restore(self) -> None:
        for s, old in self._old.items():
            signal.signal(s, old)
        self._old.clear()

    def __enter__(self):
        return self.install()

    def __exit__(self, *exc):
        self.restore()
        return False
