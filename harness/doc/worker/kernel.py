"""Cell kernel: runs one tab's cells, one at a time, in ONE interpreter inside its env.

    python -m harness.doc.worker.kernel      (cwd: the chapter's folder, like a notebook)

Reads one JSON request per line on stdin: {"setup": {"tab": NAME, "random": "equal" |
"native"}} first, then {"cell": index, "source": code, "filename": chapter path, "seed":
int}. Answers one JSON line per request on the process's original stdout; fd 1 is
pointed at stderr so that C-level output cannot corrupt that channel. Per cell it
answers what a notebook would show (stdout, stderr, the last expression's repr, figures
as PNG) plus, as harness.common.protocol arrays: the numeric values of the variables the
cell defined or changed and of the last expression (containers element by element,
see values.py), the data its figures draw, the warnings it raised (with the chapter
line), and which random draws were made equal (randomness.py; seeded per cell).
"""

import ast
import base64
import contextlib
import hashlib
import io
import json
import os
import sys
import time
import traceback
import warnings

from harness.doc.worker import matplotlib_checks, randomness, values

MAX_TEXT = 100_000         # characters of stdout / stderr / repr kept per cell (the tail)
MAX_WARNINGS = 20          # distinct warnings kept per cell


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


def _fingerprint(arr) -> str:
    h = hashlib.sha1(f"{arr.dtype.name}{arr.shape}".encode())
    h.update(memoryview(arr.tobytes()))
    return h.hexdigest()


def _type_name(value) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _interesting(name, value) -> bool:
    import types
    if name.startswith("_") or name in ("tab", "In", "Out", "exit", "quit", "get_ipython"):
        return False
    return not isinstance(value, (types.ModuleType, types.FunctionType, type,
                                  types.BuiltinFunctionType, types.MethodType))


class Kernel:
    def __init__(self, tab, random_mode="equal"):
        self.ns = {"__name__": "__main__", "tab": Tab(tab)}
        self.prints = {}      # path -> fingerprint of the value last reported
        self.stream = randomness.install(random_mode)
        randomness.on_import("mpl_toolkits.mplot3d.axes3d", values.patch_3d)
        randomness.on_import("matplotlib.artist", matplotlib_checks.patch_artist)

    def run(self, source: str, filename: str, seed: int = 0) -> dict:
        out, err = io.StringIO(), io.StringIO()
        reply = {"status": "ok", "stdout": "", "stderr": "", "display": None,
                 "display_values": {}, "error": None, "figures": [], "figure_data": {},
                 "variables": {}, "warnings": []}
        started = time.monotonic()
        self.stream.reset(seed)
        matplotlib_checks.CHAPTER["filename"] = filename
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                _ChapterWarnings(filename) as caught:
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
                                  + "".join(traceback.format_exception_only(exc)),
                                  "line": tb[-1].lineno if tb else None}
        reply["warnings"] = caught.found
        reply["random"] = self.stream.report()
        with warnings.catch_warnings():       # the harness's own warnings are not the cell's
            warnings.simplefilter("ignore")
            self._collect(reply)
        reply["stdout"] = _clip(out.getvalue(), MAX_TEXT)
        reply["stderr"] = _clip(err.getvalue(), MAX_TEXT)
        if reply["display"]:
            reply["display"] = _clip(reply["display"], MAX_TEXT)
        reply["seconds"] = time.monotonic() - started
        return reply

    def _collect(self, reply):
        value = reply.pop("_display_object", None)
        if value is not None:
            reply["display_values"] = _encoded(values.flatten(value, ""))
        plt = sys.modules.get("matplotlib.pyplot")
        try:
            if plt is not None:
                reply["figure_data"] = _encoded(values.figure_data(plt))
                reply["figures"] = self._figures(plt)
        except Exception as exc:  # noqa: BLE001
            reply["stderr_figures"] = f"figures could not be saved: {exc!r}"
        reply["variables"] = self._variables()

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
                reply["display_type"] = _type_name(value)
                reply["_display_object"] = value

    @staticmethod
    def _figures(plt) -> list:
        pngs = []
        for num in plt.get_fignums():
            buf = io.BytesIO()
            plt.figure(num).savefig(buf, format="png", dpi=72)
            pngs.append(base64.b64encode(buf.getvalue()).decode("ascii"))
        plt.close("all")
        return pngs

    def _variables(self) -> dict:
        """The numeric values (by path) the cell defined or changed since the last cell."""
        found = {}
        for name, value in list(self.ns.items()):
            if not _interesting(name, value):
                continue
            for path, item in values.flatten(value, name).items():
                if isinstance(item, dict):
                    entry, key = dict(item), f"not:{item['not_compared']}:{id(value)}"
                else:
                    key = _fingerprint(item)
                    if self.prints.get(path) == key:
                        continue
                    try:
                        entry = values.encode(item)
                    except ValueError as exc:
                        entry = {"not_compared": str(exc)}
                if self.prints.get(path) != key:
                    entry["python_type"] = _type_name(value)
                    found[path] = entry
                    self.prints[path] = key
        return found


class _ChapterWarnings:
    """Warnings raised while a cell runs, each with the chapter line that led to it."""

    def __init__(self, filename):
        self.filename, self.found, self._seen = filename, [], set()

    def __enter__(self):
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("default")
        warnings.showwarning = self._show
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)

    def _show(self, message, category, filename, lineno, file=None, line=None):
        stack = traceback.extract_stack()
        if any(f.filename.startswith("<frozen importlib") for f in stack):
            return      # a library's warning while it loads: not about the chapter's code
        frames = [f for f in stack if f.filename == self.filename]
        if filename == self.filename:          # stacklevel already points into the chapter
            chapter_line = lineno
        else:
            chapter_line = frames[-1].lineno if frames else None
        key = (category.__name__, str(message), chapter_line)
        if key in self._seen or len(self.found) >= MAX_WARNINGS:
            return
        self._seen.add(key)
        self.found.append({"category": category.__name__, "message": str(message)[:2000],
                           "line": chapter_line, "source": f"{filename}:{lineno}"})


def _encoded(flat: dict) -> dict:
    out = {}
    for path, item in flat.items():
        try:
            out[path] = dict(item) if isinstance(item, dict) else values.encode(item)
        except ValueError as exc:
            out[path] = {"not_compared": str(exc)}
    return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"[... {len(text) - limit} characters cut]\n" + \
        text[-limit:]


def main() -> int:
    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.__stdout__ = os.fdopen(1, "w", buffering=1, closefd=False)
    kernel = None
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if "setup" in request:
            setup = request["setup"]
            kernel = Kernel(setup["tab"], setup.get("random", "equal"))
            reply = {"ready": True, "python": sys.version.split()[0]}
        else:
            reply = kernel.run(request["source"], request["filename"],
                               request.get("seed", request.get("cell") or 0))
            reply["cell"] = request.get("cell")
        channel.write(json.dumps(reply, allow_nan=False) + "\n")
        channel.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
