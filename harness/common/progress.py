"""Progress on stderr while a run goes: one updating line on a terminal, else a line per result.

Progress is a courtesy: when its reader is gone (`harness run 2>&1 | head`) it falls
silent, and the run goes on to write its reports. What a worker said (a crash's stderr,
a problem) is shown with colour codes and control characters escaped.
"""

import shutil
import sys
import threading
import time

from harness.reports.view import printable


class Progress:
    def __init__(self, total: int, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.total, self.done = total, 0
        self.started = time.monotonic()
        self.lock = threading.Lock()

    def _write(self, text: str, transient: bool = False) -> None:
        if self.stream is None:
            return
        text = printable(text)
        try:
            if self.tty:
                if transient:  # a wrapped line could not be overwritten
                    text = text[:max(20, shutil.get_terminal_size().columns - 1)]
                self.stream.write("\r\033[K" + text + ("" if transient else "\n"))
            else:
                self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # reader gone (EPIPE) or stream closed: fall silent
            self.stream = None

    def message(self, text: str) -> None:
        """A line that stays (environment creation, a crash, junk on a channel)."""
        with self.lock:
            self._write(text)

    def result(self, backend: str, case: str, dtype: str, status: str, seconds) -> None:
        with self.lock:
            self.done += 1
            secs = f"{seconds:.2f}s" if isinstance(seconds, (int, float)) else ""
            line = (f"[{self.done}/{self.total}] {backend:<11} {dtype:<8} {case:<28} "
                    f"{status:<11} {secs}").rstrip()
            # on a terminal only what went wrong stays on screen
            self._write(line, transient=self.tty and status == "ok")

    def close(self) -> None:
        with self.lock:
            elapsed = time.monotonic() - self.started
            summary = f"{self.done}/{self.total} results in {elapsed:.1f} s"
            if self.tty:
                self._write("", transient=True)
            self._write(summary)
