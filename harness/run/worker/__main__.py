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

from harness.common.processes import claim_stdout, exit_now, exit_with_parent
from harness.common.protocol import (
    PROTOCOL,
    ProtocolError,
    encode_array,
    encode_message,
    type_name,
)
from harness.facts import EXACT, NUMERICAL, REFERENCE


class Channel:
    def __init__(self, stream):
        self.stream = stream

    def send(self, **msg):
        self.stream.write(encode_message(msg) + "\n")
        self.stream.flush()


def _error(exc: BaseException) -> dict:
    return {"type": type(exc).__name__, "message": str(exc),
            "traceback": "".join(traceback.format_exception(exc))}


def encode_value(value) -> dict:
    """An output as the protocol carries it; non-arrays are marked with python_type."""
    import numpy as np

    if isinstance(value, np.ndarray):
        try:
            return encode_array(value)
        except ProtocolError:
            return {"python_type": "numpy.ndarray", "dtype": value.dtype.name,
                    "shape": list(value.shape), "repr": repr(value)[:200]}
    out = {"python_type": type_name(value)}
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


def _methods(case, be, outputs) -> tuple[dict, dict]:
    """({output: how it was computed}, {output: tolerance class}) for one compute.

    An output's op (`case.ops`) names the derivative call it came from; its method is
    what the adapter says it used for that op (else what it declares), and its class
    is NUMERICAL when the adapter declares any method it used numerical. An output
    without an op is a plain value: method None, class EXACT.
    """
    used = (be.used_methods() or {}) if hasattr(be, "used_methods") else {}
    declared = getattr(be, "methods", {}) or {}
    classify = getattr(be, "method_class", lambda method: EXACT)
    ops = getattr(case, "ops", {}) or {}
    methods, classes = {}, {}
    for name in outputs:
        op = ops.get(name)
        said = [str(m) for m in used.get(op) or [declared.get(op)] if m] if op else []
        methods[name] = "; ".join(dict.fromkeys(said)) or None
        classes[name] = NUMERICAL if any(classify(m) == NUMERICAL for m in said) else EXACT
    return methods, classes


def _packages() -> dict:
    """{distribution: version} of this environment: what its resolver chose (run.json)."""
    from importlib.metadata import distributions
    found = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            found[name] = dist.version
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))


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
    if backend == REFERENCE:   # SymPy / closed forms: held to the exact tolerance
        outputs = case.reference()
        names = list(outputs) if isinstance(outputs, dict) else []
        return outputs, dict.fromkeys(names, REFERENCE), dict.fromkeys(names, EXACT)
    if hasattr(be, "reset_used_methods"):
        be.reset_used_methods()
    outputs = case.compute(be, dtype)
    if not isinstance(outputs, dict):
        raise TypeError(f"compute() returned {type_name(outputs)}, not a dict of arrays")
    return (outputs, *_methods(case, be, outputs))


def run(backend: str, tasks: list[tuple[str, str]], seed: int, channel: Channel) -> None:
    started = time.perf_counter()
    be, load_error = None, None
    try:
        if backend != REFERENCE:
            import backends
            from harness.facts import split_version
            be = backends.load(split_version(backend)[0])  # jax@0.4.38: the jax adapter
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
                 packages=_packages(), error=load_error)
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
        status, outputs, methods, classes = "ok", {}, {}, {}
        error = load_error or case_error
        if error is None:
            try:
                raw, methods, classes = _compute(case, be, backend, dtype)
                outputs = {str(k): encode_value(v) for k, v in raw.items()}
            except Exception as exc:  # noqa: BLE001 - every failure becomes a result
                from backends import Unsupported
                status = "unsupported" if isinstance(exc, Unsupported) else "error"
                error, outputs, methods, classes = _error(exc), {}, {}, {}
        else:
            status = "error"
        channel.send(type="result", case=case_id, dtype=dtype, status=status,
                     outputs=outputs, methods=methods, tolerance_classes=classes, error=error,
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


def main(argv=None) -> int:
    exit_with_parent()
    channel = Channel(claim_stdout())
    faulthandler.enable()  # a segfault leaves its Python stack in the stderr tail
    p = argparse.ArgumentParser(prog="python -m harness.run.worker")
    p.add_argument("--backend", required=True)
    p.add_argument("--tasks", required=True, type=parse_tasks)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    os.environ["HARNESS_SEED"] = str(args.seed)
    run(args.backend, args.tasks, args.seed, channel)
    exit_now(0, channel.stream)   # said goodbye: no teardown, no waiting for leftover threads


if __name__ == "__main__":
    sys.exit(main())
