"""Cell kernel: runs one tab's cells, one at a time, in ONE interpreter inside its env.

    python -m harness.doc.worker.kernel      (cwd: the chapter's folder, like a notebook)

Reads one JSON request per line on stdin: {"setup": {"tab": NAME}} first, then
{"cell": index, "source": code, "filename": chapter path}. Answers one JSON line per
request on the process's original stdout; fd 1 is pointed at stderr so that C-level
output cannot corrupt that channel. Per cell it answers what a notebook would show
(stdout, stderr, the last expression's repr, figures as PNG) plus the numeric
values of the variables the cell defined or changed, as harness.common.protocol arrays.
"""

import ast
import base64
import contextlib
import hashlib
import io
import json
import sys
import time
import traceback

from harness.common.processes import claim_stdout, exit_now, exit_with_parent
from harness.common.protocol import type_name

MAX_ELEMENTS = 1_000_000   # larger values are named but not shipped
MAX_TEXT = 100_000         # characters of stdout / stderr / repr kept per cell (the tail)
_NUMERIC_KINDS = "biuf"


class Tab:
    """The `tab` object chapters of newer D2L editions use (`tab.selected(...)`)."""

    def __init__(self, name):
        self.name = name

    def selected(self, *names):
        flat = []
        for n in names:
            flat.extend(n if isinstance(n, (list, tuple)) else [n])
        return self.name in {str(n).lower() for n in flat}

    def interact_select(self, *args, **kwargs):
        return None


def to_numpy(value):
    """A numpy array for a numeric value of any framework, or None."""
    import numpy as np

    if isinstance(value, (bool, int, float)) or type(value).__module__ == "numpy":
        arr = np.asarray(value)
    elif hasattr(value, "asnumpy"):                      # mxnet
        arr = value.asnumpy()
    elif hasattr(value, "detach") and hasattr(value, "numpy"):   # torch
        arr = value.detach().cpu().numpy()
    elif hasattr(value, "numpy") and callable(value.numpy):     # tensorflow
        arr = value.numpy()
    elif hasattr(value, "__array__") and not isinstance(value, (str, bytes, dict)):
        arr = np.asarray(value)                          # jax, array-likes
    elif isinstance(value, (list, tuple)) and value and len(value) <= MAX_ELEMENTS:
        arr = np.asarray(value)
    else:
        return None
    arr = np.asarray(arr)
    if arr.dtype.name == "bfloat16":
        arr = arr.astype("float32")
    return arr if arr.dtype.kind in _NUMERIC_KINDS else None


def _fingerprint(arr) -> str:
    h = hashlib.sha1(f"{arr.dtype.name}{arr.shape}".encode())
    h.update(memoryview(arr.tobytes()))
    return h.hexdigest()


def _encode(arr) -> dict:
    from harness.common.protocol import encode_array
    return encode_array(arr)


def _interesting(name, value) -> bool:
    import types
    if name.startswith("_") or name in ("tab", "In", "Out", "exit", "quit", "get_ipython"):
        return False
    return not isinstance(value, (types.ModuleType, types.FunctionType, type,
                                  types.BuiltinFunctionType, types.MethodType))


class Kernel:
    def __init__(self, tab):
        self.ns = {"__name__": "__main__", "tab": Tab(tab)}
        self.prints = {}      # name -> fingerprint of the value last reported

    def run(self, source: str, filename: str) -> dict:
        out, err = io.StringIO(), io.StringIO()
        reply = {"status": "ok", "stdout": "", "stderr": "", "display": None,
                 "display_value": None, "error": None, "figures": [], "variables": {}}
        started = time.monotonic()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                self._execute(source, filename, reply)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                tb = traceback.extract_tb(exc.__traceback__)
                tb = [f for f in tb if f.filename == filename] or tb
                reply["status"] = "error"
                reply["error"] = {"type": type(exc).__name__, "message": str(exc),
                                  "traceback": "".join(traceback.format_list(tb))
                                  + "".join(traceback.format_exception_only(exc))}
            try:
                reply["figures"] = self._figures()
            except Exception as exc:  # noqa: BLE001
                reply["stderr_figures"] = f"figures could not be saved: {exc!r}"
            reply["variables"] = self._variables()
        reply["stdout"] = _clip(out.getvalue(), MAX_TEXT)
        reply["stderr"] = _clip(err.getvalue(), MAX_TEXT)
        if reply["display"]:
            reply["display"] = _clip(reply["display"], MAX_TEXT)
        reply["seconds"] = time.monotonic() - started
        return reply

    def _execute(self, source, filename, reply):
        tree = ast.parse(source, filename)
        last = None
        silent = source.rstrip().endswith(";")
        if tree.body and isinstance(tree.body[-1], ast.Expr) and not silent:
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec"), self.ns)  # noqa: S102 - running cells is the job
        if last is not None:
            value = eval(compile(last, filename, "eval"), self.ns)
            if value is not None:
                reply["display"] = repr(value)
                reply["display_type"] = type_name(value)
                arr = _safe_numpy(value)
                if arr is not None and arr.size <= MAX_ELEMENTS:
                    reply["display_value"] = _encode(arr)

    def _figures(self) -> list:
        if "matplotlib.pyplot" not in sys.modules:
            return []
        plt = sys.modules["matplotlib.pyplot"]
        pngs = []
        for num in plt.get_fignums():
            buf = io.BytesIO()
            plt.figure(num).savefig(buf, format="png", dpi=72)
            pngs.append(base64.b64encode(buf.getvalue()).decode("ascii"))
        plt.close("all")
        return pngs

    def _variables(self) -> dict:
        found = {}
        for name, value in list(self.ns.items()):
            if not _interesting(name, value):
                continue
            size = _declared_size(value)
            if size is not None and size > MAX_ELEMENTS:     # never copy a huge tensor
                key = f"big:{id(value)}:{getattr(value, 'shape', '')}"
                if self.prints.get(name) != key:
                    found[name] = {"skipped": f"{size} elements",
                                   "python_type": type_name(value)}
                    self.prints[name] = key
                continue
            arr = _safe_numpy(value)
            if arr is None:
                continue
            if arr.size > MAX_ELEMENTS:
                entry = {"skipped": f"{arr.size} elements", "dtype": arr.dtype.name,
                         "shape": list(arr.shape)}
                key = f"big:{arr.dtype}{arr.shape}{id(value)}"
            else:
                try:
                    entry = _encode(arr)
                except ValueError as exc:
                    entry = {"skipped": str(exc)}
                key = _fingerprint(arr)
            if self.prints.get(name) != key:
                entry["python_type"] = type_name(value)
                found[name] = entry
                self.prints[name] = key
        return found


def _declared_size(value):
    """Number of elements from the value's shape, without converting it (None: unknown)."""
    shape = getattr(value, "shape", None)
    try:
        size = 1
        for n in tuple(shape):
            size *= int(n)
        return size
    except (TypeError, ValueError):
        return None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"[... {len(text) - limit} characters cut]\n" + \
        text[-limit:]


def _safe_numpy(value):
    try:
        return to_numpy(value)
    except Exception:  # noqa: BLE001 - a value we cannot convert is simply not compared
        return None


def main() -> int:
    exit_with_parent()
    channel = claim_stdout()
    kernel = None
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if "setup" in request:
            kernel = Kernel(request["setup"]["tab"])
            reply = {"ready": True, "python": sys.version.split()[0]}
        else:
            reply = kernel.run(request["source"], request["filename"])
            reply["cell"] = request.get("cell")
        channel.write(json.dumps(reply, allow_nan=False) + "\n")
        channel.flush()
    exit_now(0, channel)   # stdin closed: done, without the interpreter's teardown


if __name__ == "__main__":
    sys.exit(main())
