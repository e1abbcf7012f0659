"""Run each tab's program in its framework's environment, one kernel per tab.

A tab's cells (its own and the `all` ones, in document order) go one at a time to a
single `harness.doc.worker.kernel` interpreter, so state flows from cell to cell as in a
notebook. A cell past its timeout, or an interpreter that dies, ends that tab
(reported with the error); the other tabs run on, in parallel.
"""

import json
import os
import queue
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from harness import REPO_ROOT, envs
from harness.doc import extras, parser

SHIM = REPO_ROOT / "harness" / "d2l_shim"
STARTUP_TIMEOUT = 120.0


@dataclass
class TabRun:
    tab: str
    env: str | None
    status: str = "ok"          # ok | failed | skipped
    error: str | None = None
    python: str | None = None
    seconds: float = 0.0
    cells: dict = field(default_factory=dict)   # cell index -> kernel reply (+ "magics")

    def as_dict(self) -> dict:
        return {"tab": self.tab, "env": self.env, "status": self.status, "error": self.error,
                "python": self.python, "seconds": round(self.seconds, 3)}


def _kernel_env(env_name=None) -> dict:
    env = envs.worker_env()
    extra = extras.ready_path(env_name) if env_name else None   # the book's own extras
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(SHIM)] + ([str(extra)] if extra
                                                                           else []))
    env["PYTHONUNBUFFERED"] = "1"
    return env


class _Kernel:
    """A kernel subprocess with a reader thread, so every wait can time out."""

    def __init__(self, python, cwd, env_name=None):
        self.stderr = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [str(python), "-m", "harness.doc.worker.kernel"], cwd=cwd, env=_kernel_env(env_name),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            text=True, encoding="utf-8", bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def ask(self, request: dict, timeout: float) -> dict:
        """The kernel's answer; TimeoutError, or EOFError when it died."""
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise EOFError("the interpreter is gone") from None
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no answer within {timeout:g} s") from None
        if line is None:
            raise EOFError(f"the interpreter exited (status {self.proc.wait()})")
        return json.loads(line)

    def stderr_tail(self, limit=3000) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-limit:]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


def run_tab(chapter, tab: str, cell_timeout: float, progress=None, seeds=None,
            random_mode="equal") -> TabRun:
    """Run `tab`'s program; never raises for the chapter's or the tab's own failures.

    seeds: {cell index: seed of the shared random stream for that cell} (aligned cells of
    all tabs get the same one); random_mode: "equal" or "native" (kernel's randomness.py).
    """
    started = time.monotonic()
    env_name = parser.TAB_ENVS.get(tab)
    run = TabRun(tab, env_name)
    say = progress or (lambda msg: None)
    if env_name is None:
        run.status, run.error = "skipped", f"no harness environment runs tab {tab!r}"
        return run
    try:
        python = envs.ensure(env_name, progress=say)
    except (envs.EnvError, OSError, subprocess.SubprocessError) as exc:
        run.status, run.error = "failed", f"environment {env_name!r} unavailable: {exc}"
        return run
    cwd = str(Path(chapter.path).resolve().parent)
    kernel = _Kernel(python, cwd, env_name)
    cells = chapter.cells_for(tab)
    try:
        try:
            hello = kernel.ask({"setup": {"tab": tab, "random": random_mode}}, STARTUP_TIMEOUT)
            run.python = hello.get("python")
        except (TimeoutError, EOFError, ValueError) as exc:
            run.status = "failed"
            run.error = f"the {env_name} interpreter did not start: {exc}\n{kernel.stderr_tail()}"
            return run
        say(f"[doc] {tab}: running {len(cells)} cells in {env_name}")
        for pos, cell in enumerate(cells):
            source, magics = parser.cell_program(cell, tab)
            request = {"cell": cell.index, "source": source,
                       "filename": str(Path(chapter.path).resolve()),
                       "seed": (seeds or {}).get(cell.index, cell.index)}
            try:
                reply = kernel.ask(request, cell_timeout)
            except (TimeoutError, EOFError, ValueError) as exc:
                kind = "timeout" if isinstance(exc, TimeoutError) else "crashed"
                if kind == "timeout":
                    kernel.proc.kill()      # it is stuck in the cell: no clean exit
                run.cells[cell.index] = {"status": kind, "error": {
                    "type": kind, "message": str(exc), "traceback": kernel.stderr_tail()},
                    "stdout": "", "stderr": "", "figures": [], "variables": {}, "magics": magics}
                for rest in cells[pos + 1:]:
                    run.cells[rest.index] = {"status": "not run", "error": None, "stdout": "",
                                             "stderr": "", "figures": [], "variables": {}}
                run.status = "failed"
                run.error = (f"cell at line {cell.start} ({cell.section}): {kind}: {exc}; "
                             f"{len(cells) - pos - 1} later cell(s) not run")
                break
            reply["magics"] = magics
            run.cells[cell.index] = reply
    finally:
        kernel.close()
        run.seconds = time.monotonic() - started
    return run


def run_tabs(chapter, tabs, cell_timeout, progress=None, seeds=None, random_mode="equal") -> dict:
    """tab -> TabRun, the tabs running in parallel."""
    if not tabs:
        return {}
    workers = max(1, min(len(tabs), os.cpu_count() or 1, 4))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {t: pool.submit(run_tab, chapter, t, cell_timeout, progress, seeds,
                                  random_mode) for t in tabs}
        return {t: f.result() for t, f in futures.items()}
