"""The one way the harness starts a process in a framework environment, and ends it.

Orchestrator side (`Worker`): every worker starts in a new process group, talks JSON
lines on its stdout (read here line by line, each read with a deadline, so a hang is
noticed), keeps the tail of its stderr for the error message, and is ended with its
whole process group, so nothing a case started (a `sleep 300`, a forked child holding
the channel) outlives it. What a worker sent before a fault stays with the caller: lines
are handed over as they arrive.

Worker side (`exit_with_parent`): a worker whose orchestrator died (even by SIGKILL)
ends itself and its process group instead of running on.

`interpreter(backend)` chooses the Python that runs a backend, the same for every
command. Standard library only.
"""

import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from harness import REPO_ROOT
from harness.facts import REFERENCE, REFERENCE_ENV, split_version

GRACE = 5.0          # seconds a worker that said goodbye (or closed its channel) may take to exit
STDERR_LINES = 30    # lines of stderr kept for error messages


# ---- choosing the interpreter ----------------------------------------------------------------

def env_name(backend: str) -> str:
    """The managed environment that runs `backend`: its own, else the reference's.

    A plug-in backend (an entry point) has no environment of its own; it runs in the
    reference's (numpy) environment unless `--python NAME=PATH` names another.
    """
    from harness import envs
    if backend != REFERENCE and split_version(backend)[0] in envs.declared_groups():
        return backend  # `jax@0.4.38` has an environment of its own, built from jax's spec
    return REFERENCE_ENV


def interpreter(backend: str, pythons: dict | None = None, progress=None) -> str:
    """The Python that runs `backend`: --python's choice, else its environment's (built if
    needed; envs.EnvError when that fails). `pythons` maps backend names to paths."""
    chosen = (pythons or {}).get(backend)   # the reference's is `reference=`, never numpy's
    if chosen:
        return str(chosen)
    from harness import envs
    return str(envs.ensure(env_name(backend), progress=progress))


# ---- orchestrator side ---------------------------------------------------------------------

def exit_text(rc) -> str:
    """How a process ended, in words: "exit status 3", "killed by signal SIGSEGV"."""
    if rc is None:
        return "still running"
    if rc < 0:
        try:
            return f"killed by signal {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


class Worker:
    """A worker process in its own process group, read as JSON lines with deadlines.

    `Worker(argv, env=...)` starts it (OSError if it cannot start). `read_line(timeout)`
    returns the next non-blank stdout line (str), None at end of file, or raises
    TimeoutError. `stop()` ends it and its process group and returns its exit status.
    `echo` (a callable) also receives every stderr line, e.g. to show progress.
    """

    def __init__(self, argv, *, env: dict, cwd=REPO_ROOT, stdin: bool = False, echo=None):
        self.argv = [str(a) for a in argv]
        self.tail: deque = deque(maxlen=STDERR_LINES)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, start_new_session=True)
        self._echo = echo
        self._drain = threading.Thread(target=self._read_stderr, daemon=True,
                                       name=f"stderr-{self.proc.pid}")
        self._drain.start()
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)
        self._buf = b""
        self._lines: deque = deque()
        self.eof = False
        self.exit_status = None
        self.leftovers = False     # stop() found processes it had left running
        self.overstayed = False    # stop() gave it a grace to exit, and had to kill it
        self.seconds = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            self.tail.append(line)
            if self._echo is not None:
                self._echo(line)

    def stderr_tail(self) -> list[str]:
        return [x for x in self.tail if x.strip()]

    def read_line(self, timeout: float) -> str | None:
        """The next non-blank line, None at end of file; TimeoutError after `timeout` s."""
        deadline = time.monotonic() + max(0.0, timeout)
        while not self._lines and not self.eof:
            wait = deadline - time.monotonic()
            if wait <= 0 or not self._sel.select(wait):
                if time.monotonic() >= deadline:
                    raise TimeoutError(f"no line within {timeout:g} s")
                continue
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            self.eof = not chunk
            *lines, self._buf = (self._buf + chunk).split(b"\n")
            if self.eof and self._buf:
                lines, self._buf = [*lines, self._buf], b""
            self._lines.extend(x.decode("utf-8", "replace") for x in lines if x.strip())
        return self._lines.popleft() if self._lines else None

    def send(self, line: str) -> None:
        """One line to the worker's stdin; EOFError when it no longer reads."""
        try:
            self.proc.stdin.write(line.encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise EOFError("the worker is gone") from None

    def kill(self) -> None:
        """SIGKILL to the worker's whole process group (safe to call from any thread)."""
        if self.exit_status is None:
            _killpg(self.proc.pid)

    def stop(self, grace: float = 0.0) -> int:
        """End the worker: wait up to `grace` s for it to exit by itself, else kill its group.

        Once it has exited its group is killed again, so nothing it started survives;
        `leftovers` says whether anything was still running then, `overstayed` whether
        it had to be killed after the grace. Returns the exit status (negative: the
        signal that ended it).
        """
        if self.exit_status is not None:
            return self.exit_status
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.overstayed = grace > 0   # it was given time to exit and did not take it
            _killpg(self.proc.pid)
            self.proc.wait()
        # reaped: a process id still used as a group id is not reused, so this reaches
        # only what the worker left behind (a success means something was there)
        self.leftovers = _killpg(self.proc.pid)
        self.exit_status = self.proc.returncode
        self._drain.join(timeout=2)   # a leftover holding stderr is gone with the group
        self._sel.close()
        self.proc.stdout.close()
        self.seconds = time.monotonic() - self.started
        return self.exit_status


def _killpg(pgid: int) -> bool:
    """SIGKILL to process group `pgid`; whether the group had any process left."""
    try:
        os.killpg(pgid, signal.SIGKILL)
        return True
    except (ProcessLookupError, PermissionError):
        return False


@dataclass
class Finished:
    """What a worker run to its end left: its stdout lines, its stderr tail, and `error`
    when it failed (`cancelled`: stopped because the caller asked)."""

    lines: list
    error: str | None
    exit_status: int | None
    stderr_tail: list = field(default_factory=list)
    cancelled: bool = False
    timed_out: bool = False


def run_once(argv, *, env: dict, timeout: float, cwd=REPO_ROOT,
             cancelled=lambda: False, echo=None) -> Finished:
    """Run a one-shot worker (figures, plots, a book's chapter) to its end, `timeout` or
    `cancelled()` (polled: a signal to the run stops it at once); its group is ended after.

    `error` says why it failed in one message: it could not start, it ran past the
    timeout, or it exited non-zero (with the tail of its stderr). `echo` receives every
    line, stdout's and stderr's, as it comes (e.g. to keep a log).
    """
    try:
        worker = Worker(argv, env=env, cwd=cwd, echo=echo)
    except OSError as exc:
        return Finished([], f"could not start {argv[0]}: {exc}", None)
    lines, deadline, why = [], time.monotonic() + timeout, None
    late = f"took longer than {timeout:g} s and was stopped"
    try:
        while why is None:
            if cancelled():
                why = "cancelled"
            elif time.monotonic() >= deadline:
                why = late
            else:
                try:
                    line = worker.read_line(min(0.1, deadline - time.monotonic()))
                except TimeoutError:
                    continue
                if line is None:
                    break
                lines.append(line)
                if echo is not None:
                    echo(line)
    finally:
        rc = worker.stop(GRACE if why is None else 0)
    tail = worker.stderr_tail()
    if why is None and rc != 0:
        why = f"failed ({exit_text(rc)}):\n" + "\n".join(tail[-15:])
    return Finished(lines, why, rc, tail, why == "cancelled", why == late)


# ---- worker side -------------------------------------------------------------------------

def worker_args(usage: str, count: int, argv=None) -> list[str] | None:
    """A worker's start: it ends with its parent from now on, and gets its `count`
    arguments (None, after printing `usage`, when they are not that many)."""
    exit_with_parent()
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != count:
        print(f"usage: {usage}", file=sys.stderr)
        return None
    return argv


FD_VARIABLE = "HARNESS_PROTOCOL_FD"   # names the channel's descriptor (fault tests use it)


def claim_stdout():
    """In a worker: the real stdout kept as the channel (a line-buffered text stream);
    fd 1 and print() go to stderr from now on, so nothing a framework or a case prints
    can corrupt the channel. The channel's descriptor is named in $HARNESS_PROTOCOL_FD."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    os.environ[FD_VARIABLE] = str(fd)
    sys.stdout = sys.__stdout__ = os.fdopen(1, "w", buffering=1, closefd=False)
    return os.fdopen(fd, "w", encoding="utf-8", buffering=1)


def exit_now(code: int = 0, *streams) -> None:
    """End a worker that has said all it had to: flush, then exit at once.

    Skips the interpreter's teardown, which can take seconds (TensorFlow's thread
    pools) and waits for every non-daemon thread a case left running; a worker is
    done once its channel is flushed, and the orchestrator ends its process group.
    """
    for stream in (*streams, sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def exit_with_parent(poll: float = 0.5) -> None:
    """In a worker: once the orchestrator is gone, end this process and its process group.

    A worker started by `Worker` leads its own process group, so the children a case
    started go with it; a worker started some other way (by hand) ends only itself.
    """
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(poll)
        sys.stderr.flush()
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
        os._exit(70)
    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()
