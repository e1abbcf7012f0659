"""Worker: runs cases on one backend inside that backend's environment.

    python -m harness.run.worker --backend NAME --tasks CASE@DTYPE,CASE@DTYPE... [--seed N]

Speaks harness-worker/1 (see harness.common.protocol) on its original stdout and sends each
result the moment it has it, so a crash later loses nothing already computed. The
backend "reference" is the cases' own reference values (float64, no framework).
"""

import argparse
import faulthandler
import os
import platform
import random
import sys
import time
import traceback

from harness.common.protocol import PROTOCOL, ProtocolError, encode_array, encode_message
from harness.facts import REFERENCE

FD_VARIABLE = "HARNESS_PROTOCOL_FD"  # names the channel's fd (fault tests write junk to it)


def _claim_stdout():
    """Keep the real stdout for the protocol; point fd 1 (and print) at stderr."""
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    os.environ[FD_VARIABLE] = str(protocol_fd)
    return os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1, closefd=False)


class Channel:
    def __init__(self, stream):
        self.stream = stream

    def send(self, **msg):
        self.stream.write(encode_message(msg) + "\n")
        self.stream.flush()


def _error(exc: BaseException) -> dict:
    return {"type": type(exc).__name__, "message": str(exc),
            "traceback": "".join(traceback.format_exception(exc))}


def _type_name(value) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def encode_value(value) -> dict:
    """An output as the protocol carries it; non-arrays are marked with python_type."""
    import numpy as np

    if isinstance(value, np.ndarray):
        try:
            return encode_array(value)
        except ProtocolError:
            return {"python_type": "numpy.ndarray", "dtype": value.dtype.name,
                    "shape": list(value.shape), "repr": repr(value)[:200]}
    out = {"python_type": _type_name(value)}
    try:
        out.update(encode_array(np.asarray(value)))
    except Exception:  # noqa: BLE001 - anything unconvertible is reported, not raised
        out["repr"] = repr(value)[:200]
    return out


def _threads(be) -> dict:
    threads = {"cpu_count": os.cpu_count()}
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var):
            threads[var] = os.environ[var]
    declared = getattr(be, "threads", None)
    if callable(declared):
        try:
            declared = declared()
        except Exception:  # noqa: BLE001
            declared = None
    if isinstance(declared, (int, str)):
        threads["backend"] = declared
    return threads


def _methods(case, be, outputs) -> dict:
    used = {}
    if be is not None and hasattr(be, "used_methods"):
        used = be.used_methods() or {}
    declared = getattr(be, "methods", {}) or {}
    ops = getattr(case, "ops", {}) or {}
    methods = {}
    for name in outputs:
        op = ops.get(name)
        if op is None:
            methods[name] = None
        elif used.get(op):
            methods[name] = "; ".join(dict.fromkeys(str(m) for m in used[op]))
        else:
            methods[name] = declared.get(op)
    return methods


def _reference_version():
    """The reference is SymPy/mpmath and closed forms: name the SymPy it used."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return f"sympy {version('sympy')}"
    except PackageNotFoundError:
        return None


def _seed(seed: int) -> None:
    random.seed(seed)
    try:
        import numpy as np
        np.random.seed(seed % 2**32)
    except ImportError:
        pass


def _compute(case, be, backend: str, dtype: str):
    if backend == REFERENCE:
        outputs = case.reference()
        methods = {name: REFERENCE for name in outputs} if isinstance(outputs, dict) else {}
        return outputs, methods
    if hasattr(be, "reset_used_methods"):
        be.reset_used_methods()
    outputs = case.compute(be, dtype)
    if not isinstance(outputs, dict):
        raise TypeError(f"compute() returned {_type_name(outputs)}, not a dict of arrays")
    return outputs, _methods(case, be, outputs)


def run(backend: str, tasks: list[tuple[str, str]], seed: int, channel: Channel) -> None:
    started = time.perf_counter()
    be, load_error = None, None
    try:
        if backend != REFERENCE:
            import backends
            be = backends.load(backend)
    except Exception as exc:  # noqa: BLE001 - reported on every result, run goes on
        load_error = _error(exc)
    try:
        import numpy
        numpy_version = numpy.__version__
    except ImportError:
        numpy_version = None
    version = getattr(be, "version", None) if be else None
    if backend == REFERENCE:
        version = _reference_version()
    channel.send(type="hello", protocol=PROTOCOL, backend=backend, version=version,
                 python=platform.python_version(), platform=platform.platform(),
                 methods=dict(getattr(be, "methods", {}) or {}) if be else {},
                 threads=_threads(be), pid=os.getpid(), numpy=numpy_version,
                 error=load_error)
    loaded: dict = {}
    for case_id, dtype in tasks:
        if case_id not in loaded:
            try:
                import cases
                loaded[case_id] = (cases.load(case_id), None)
                meta = loaded[case_id][0].as_dict()
            except Exception as exc:  # noqa: BLE001
                loaded[case_id] = (None, _error(exc))
                meta = {"id": case_id}
            try:
                channel.send(type="case", case=case_id, meta=meta)
            except (TypeError, ValueError) as exc:  # metadata that is not strict JSON
                loaded[case_id] = (None, _error(exc))
                channel.send(type="case", case=case_id, meta={"id": case_id})
        case, case_error = loaded[case_id]
        channel.send(type="start", case=case_id, dtype=dtype)
        _seed(seed)
        t0 = time.perf_counter()
        status, outputs, methods, error = "ok", {}, {}, load_error or case_error
        if error is None:
            try:
                raw, methods = _compute(case, be, backend, dtype)
                outputs = {str(k): encode_value(v) for k, v in raw.items()}
            except Exception as exc:  # noqa: BLE001 - every failure becomes a result
                from backends import Unsupported
                status = "unsupported" if isinstance(exc, Unsupported) else "error"
                error, outputs, methods = _error(exc), {}, {}
        else:
            status = "error"
        channel.send(type="result", case=case_id, dtype=dtype, status=status,
                     outputs=outputs, methods=methods, error=error,
                     seconds=time.perf_counter() - t0)
    channel.send(type="bye", seconds=time.perf_counter() - started)


def parse_tasks(text: str) -> list[tuple[str, str]]:
    tasks = []
    for item in filter(None, text.split(",")):
        case_id, sep, dtype = item.rpartition("@")
        if not sep or not case_id:
            raise SystemExit(f"bad task {item!r}: expected CASE@DTYPE")
        tasks.append((case_id, dtype))
    return tasks


def _exit_with_parent() -> None:
    """A worker whose orchestrator died (SIGKILL) must not run on: exit once reparented."""
    import threading
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(70)
    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def main(argv=None) -> int:
    _exit_with_parent()
    channel = Channel(_claim_stdout())
    faulthandler.enable()  # a segfault leaves its Python stack in the stderr tail
    p = argparse.ArgumentParser(prog="python -m harness.run.worker")
    p.add_argument("--backend", required=True)
    p.add_argument("--tasks", required=True, type=parse_tasks)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    os.environ["HARNESS_SEED"] = str(args.seed)
    run(args.backend, args.tasks, args.seed, channel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
