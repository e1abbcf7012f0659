"""The fault-injecting adapter: runs in a worker, in the numpy environment.

$HARNESS_FAULT selects the faults: comma-separated ``KIND@CASE`` or
``KIND@CASE@DTYPE`` (CASE may be ``*``). Without a matching entry the adapter is
the NumPy reference adapter, so its results agree.

Faults before the case computes: ``segv`` (a real SIGSEGV through ctypes),
``abort`` (os.abort, SIGABRT), ``exit`` (os._exit(3)), ``hang`` (sleeps an hour, or
$HARNESS_FAULT_HANG_S seconds: a hang that ends lets a test see the verdict it gets),
``raise`` (RuntimeError), ``hostile`` (RuntimeError whose message holds what XML and
a terminal must not get raw: ANSI colour codes, NUL, a lone surrogate), ``junk`` (a line that is not JSON written straight to
the protocol channel, $HARNESS_PROTOCOL_FD), ``junk-partial`` (the start of a JSON
object, no newline: it swallows the worker's next message), ``print`` (noise on
stdout and fd 1, which must not reach the channel), ``spawn`` (starts ``sleep 300``
and leaves it running), ``thread`` (leaves a non-daemon thread sleeping an hour, so
the interpreter cannot exit), ``fork`` (forks a child that sleeps with the protocol
channel open). The processes these start are named ``child-PID`` in
$HARNESS_FAULT_PIDS.
With $HARNESS_FAULT_PIDS set to a folder, a worker about to misbehave leaves an
empty file named after its pid there, so a test can check it was not left running.
A fault in the case: ``undeclared-op`` drops the last entry of the case's `ops`,
as if its author had forgotten to declare that output's derivative op.
Faults in what the adapter returns (the case's own checks see them):
``np-dtype`` (to_numpy gives float32 for float64), ``np-scalar`` (a Python float).
Faults in the outputs after the case's checks, so only the harness can catch them:
``nan`` and ``inf`` (element 0 of every output), ``off`` (element 0 of the first
output plus OFF_BY: a plain finite disagreement), ``shape`` (one element more in
the first output), ``dtype`` (first output float32 in a float64 task), ``scalar``
(first output a Python float), ``object`` (first output an unencodable object).
Faults in the protocol messages themselves, well-formed JSON with wrong contents:
``message`` (the worker's result for that task goes out with the fields of the JSON
object $HARNESS_FAULT_MESSAGE overwritten, NaN tokens allowed) and, for any task
list, $HARNESS_FAULT_HELLO (the same, for the hello message).
"""

import ctypes
import dataclasses
import json
import os
import subprocess
import sys
import threading
import time

from backends.numpy import NumpyBackend
from cases import base as _case_base

BEFORE = ("segv", "abort", "exit", "hang", "raise", "hostile", "junk", "junk-partial", "print",
          "spawn", "thread", "fork")
ADAPTER_FAULTS = ("np-dtype", "np-scalar", "undeclared-op")
AFTER = ("nan", "inf", "off", "shape", "dtype", "scalar", "object")
MESSAGES = ("message",)
HOSTILE = "\x1b[31mred\x1b[0m NUL:\x00 surrogate:\ud800 end"
OFF_BY = 0.5
KINDS = BEFORE + ADAPTER_FAULTS + AFTER + MESSAGES


def parse(text: str) -> list[tuple[str, str, str | None]]:
    """[(kind, case pattern, dtype or None)] from $HARNESS_FAULT; unknown kinds fail loudly."""
    faults = []
    for item in filter(None, (x.strip() for x in (text or "").split(","))):
        kind, _, rest = item.partition("@")
        case, _, dtype = rest.partition("@")
        if kind not in KINDS or not case:
            raise ValueError(f"HARNESS_FAULT entry {item!r}: expected KIND@CASE[@DTYPE] "
                             f"with KIND one of {', '.join(KINDS)}")
        faults.append((kind, case, dtype or None))
    return faults


class FaultyBackend(NumpyBackend):
    """The NumPy reference adapter plus the faults $HARNESS_FAULT names for a case."""

    name = "faulty"

    def __init__(self):
        super().__init__()
        self.faults = parse(os.environ.get("HARNESS_FAULT", ""))
        self.active: set[str] = set()

    def faults_for(self, case_id: str, dtype: str) -> set[str]:
        return {k for k, c, d in self.faults
                if c in ("*", case_id) and d in (None, dtype)}

    def to_numpy(self, value):
        arr = super().to_numpy(value)
        if "np-dtype" in self.active and arr.dtype.name == "float64":
            return arr.astype("float32")
        if "np-scalar" in self.active:
            return float(arr.reshape(-1)[0])
        return arr


class SecondFaultyBackend(FaultyBackend):
    """The same adapter under another name: two backends that fail the same way."""

    name = "faulty2"


ADAPTER = FaultyBackend


def _before(kinds: set[str], case_id: str) -> None:
    pids = os.environ.get("HARNESS_FAULT_PIDS")
    if pids and kinds:
        open(os.path.join(pids, str(os.getpid())), "w").close()
    channel = int(os.environ.get("HARNESS_PROTOCOL_FD", "1"))
    if "junk" in kinds:
        os.write(channel, b"this is not JSON {oops\n")
    if "junk-partial" in kinds:
        os.write(channel, b'{"type": "result", "case": "')
    if "print" in kinds:
        print("noise on stdout from a case", flush=True)
        os.write(1, b'{"type": "result", "forged": "on fd 1"}\n')
    _leave_behind(kinds, pids)
    if "raise" in kinds:
        raise RuntimeError(f"injected fault in {case_id}")
    if "hostile" in kinds:
        raise RuntimeError(f"injected fault in {case_id}: {HOSTILE}")
    if "hang" in kinds:
        time.sleep(float(os.environ.get("HARNESS_FAULT_HANG_S") or 3600))
    if "exit" in kinds:
        os._exit(3)
    if "abort" in kinds:
        os.abort()
    if "segv" in kinds:
        ctypes.string_at(0)  # reads address 0: a real SIGSEGV


def _leave_behind(kinds: set[str], pids: str | None) -> None:
    """Start what a careless case leaves running: a process, a thread, a forked child."""
    children = []
    if "spawn" in kinds:
        children.append(subprocess.Popen(["sleep", "300"]).pid)
    if "thread" in kinds:
        threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()
    if "fork" in kinds:
        child = os.fork()
        if child == 0:          # keeps every descriptor, the protocol channel included
            time.sleep(300)
            os._exit(0)
        children.append(child)
    for child in children:
        if pids:
            open(os.path.join(pids, f"child-{child}"), "w").close()


class _Unencodable:
    def __repr__(self):
        return "<an object no array can be made of>"


def _after(kinds: set[str], outputs: dict) -> dict:
    import numpy as np

    outputs = dict(outputs)
    for bad, value in (("nan", np.nan), ("inf", np.inf)):
        if bad in kinds:
            for name, arr in outputs.items():
                arr = np.array(arr, copy=True)
                arr.reshape(-1)[0] = value
                outputs[name] = arr
    first = next(iter(outputs))
    if "off" in kinds:
        arr = np.array(outputs[first], copy=True)
        arr.reshape(-1)[0] += OFF_BY
        outputs[first] = arr
    if "shape" in kinds:
        flat = np.asarray(outputs[first]).reshape(-1)
        outputs[first] = np.concatenate([flat, flat[:1]])
    if "dtype" in kinds:
        outputs[first] = np.asarray(outputs[first]).astype("float32")
    if "scalar" in kinds:
        outputs[first] = float(np.asarray(outputs[first]).reshape(-1)[0])
    if "object" in kinds:
        outputs[first] = _Unencodable()
    return outputs


_original_compute = _case_base.Case.compute


def _compute(case, be, dtype="float64"):
    """Case.compute, with the faults for (case, dtype) when `be` is a faulty backend."""
    if not isinstance(be, FaultyBackend):
        return _original_compute(case, be, dtype)
    kinds = be.faults_for(case.id, dtype)
    _before(kinds, case.id)
    if "undeclared-op" in kinds and case.ops:
        case = dataclasses.replace(case, ops=dict(list(case.ops.items())[:-1]))
    be.active = kinds
    try:
        outputs = _original_compute(case, be, dtype)
    finally:
        be.active = set()
    return _after(kinds, outputs)


_case_base.Case.compute = _compute


def _forge_messages() -> None:
    """Overwrite fields of the worker's own messages as $HARNESS_FAULT_MESSAGE/_HELLO say."""
    channel = getattr(sys.modules.get("__main__"), "Channel", None)
    hello = json.loads(os.environ.get("HARNESS_FAULT_HELLO") or "{}")
    fields = json.loads(os.environ.get("HARNESS_FAULT_MESSAGE") or "{}")
    faults = [(c, d) for k, c, d in parse(os.environ.get("HARNESS_FAULT", "")) if k == "message"]
    if channel is None or not (hello or faults):
        return

    def send(self, **msg):
        task = (msg.get("case"), msg.get("dtype"))
        if msg["type"] == "hello" and msg.get("backend", "").startswith("faulty"):
            msg.update(hello)
        elif msg["type"] == "result" and any(c in ("*", task[0]) and d in (None, task[1])
                                             for c, d in faults):
            msg.update(fields)
        self.stream.write(json.dumps(msg) + "\n")  # NaN tokens pass, as a broken worker's would
        self.stream.flush()
    channel.send = send


_forge_messages()
