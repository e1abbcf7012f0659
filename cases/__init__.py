"""The chapter's examples, one module per example, each defining `CASE = Case(...)`.

`case_index()` reads the modules with `ast` and imports none of them, so the
stdlib-only orchestrator can list and validate case ids without numpy or sympy.
For that, each module's `Case(...)` call spells `id`, `title`, `section` and
`order` as literals. `load(id)` imports the module (numpy; sympy only when the
reference is asked for) and returns its `CASE`.

A module that cannot be indexed (a syntax error, bytes that are not UTF-8, an id
that is not a plain name) breaks only itself: `broken_cases()` lists it under its
file name with the file and line of the fault, `harness run` reports it as an
`error` for that case alone, and every other case runs.
"""

import ast
import importlib
import re
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_NOT_CASES = {"base"}
_INDEXED = ("id", "title", "section", "order")
# a case id travels in task lists (CASE@DTYPE,...), file names and reports: a plain name
CASE_ID = re.compile(r"[A-Za-z0-9_.-]+")


class CaseError(Exception):
    """A case module is malformed (its index entry cannot be read)."""


class UnknownCase(CaseError, LookupError):
    """No case has this id."""


def _case_call(tree: ast.Module, path: Path) -> ast.Call:
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "CASE"
                and isinstance(node.value, ast.Call)):
            return node.value
    raise CaseError(f"{path.name}: no top-level `CASE = Case(...)`")


def _entry(path: Path) -> dict:
    tree = ast.parse(path.read_bytes().decode("utf-8"), filename=str(path))
    call = _case_call(tree, path)
    found = {}
    for kw in call.keywords:
        if kw.arg in _INDEXED:
            try:
                found[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                raise CaseError(f"{path.name}: Case({kw.arg}=...) must be a literal") from None
    missing = [k for k in _INDEXED if k not in found]
    if missing:
        raise CaseError(f"{path.name}: Case(...) lacks literal {', '.join(missing)}")
    if not isinstance(found["order"], int) or not all(
            isinstance(found[k], str) and found[k] for k in ("id", "title", "section")):
        raise CaseError(f"{path.name}: id/title/section must be non-empty strings, order an int")
    if not CASE_ID.fullmatch(found["id"]):
        raise CaseError(f"{path.name}, line {call.lineno}: case id {found['id']!r} may hold only "
                        f"letters, digits, '_', '.' and '-'")
    return {**{k: found[k] for k in _INDEXED}, "module": f"{__name__}.{path.stem}"}


def _fault(path: Path, exc: Exception) -> str:
    """Why a case module cannot be indexed, with its file and line."""
    where = f"cases/{path.name}"
    if isinstance(exc, SyntaxError):
        return f"{where}, line {exc.lineno}: SyntaxError: {exc.msg}"
    if isinstance(exc, UnicodeDecodeError):
        line = exc.object[:exc.start].count(b"\n") + 1
        return (f"{where}, line {line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
                f"at offset {exc.start})")
    text = str(exc)
    return text.replace(f"{path.name}", where, 1) if text.startswith(path.name) else \
        f"{where}: {type(exc).__name__}: {text}"


def _scan() -> tuple[list[dict], list[dict]]:
    """(good entries, broken entries {id: file name, file, error}) of every case module."""
    good, broken = [], []
    for path in sorted(_HERE.glob("*.py")):
        if path.stem.startswith("_") or path.stem in _NOT_CASES:
            continue
        try:
            good.append(_entry(path))
        except (CaseError, SyntaxError, ValueError, OSError) as exc:
            broken.append({"id": re.sub(r"[^A-Za-z0-9_.-]", "_", path.stem),
                           "file": f"cases/{path.name}", "error": _fault(path, exc)})
    ids = [e["id"] for e in good]
    for dupe in sorted({i for i in ids if ids.count(i) > 1}):
        files = [f"cases/{e['module'].rsplit('.', 1)[1]}.py" for e in good if e["id"] == dupe]
        for entry in [e for e in good if e["id"] == dupe]:
            good.remove(entry)
            stem = entry["module"].rsplit(".", 1)[1]
            broken.append({"id": stem, "file": f"cases/{stem}.py",
                           "error": f"duplicate case id {dupe!r} in {', '.join(files)}"})
    return sorted(good, key=lambda e: (e["order"], e["id"])), broken


def case_index() -> list[dict]:
    """[{id, title, section, module, order}] in chapter order; imports no case module.

    Only the modules that can be indexed: see broken_cases() for the others."""
    return _scan()[0]


def broken_cases() -> list[dict]:
    """[{id (the file's name), file, error (with the line)}] of modules that cannot be indexed."""
    return _scan()[1]


def ids() -> list[str]:
    return [e["id"] for e in case_index()]


def load(case_id: str):
    """The `Case` with this id (imports its module, hence numpy)."""
    good, broken = _scan()
    for entry in broken:
        if entry["id"] == case_id:
            raise CaseError(entry["error"])
    for entry in good:
        if entry["id"] == case_id:
            case = importlib.import_module(entry["module"]).CASE
            if case.id != case_id:
                raise CaseError(f"{entry['module']}: index says id {case_id!r}, CASE.id is "
                                f"{case.id!r}")
            return case
    raise UnknownCase(f"unknown case {case_id!r}; known: {', '.join(ids())}")


def load_all() -> list:
    return [load(i) for i in ids()]


__all__ = ["CaseError", "UnknownCase", "broken_cases", "case_index", "ids", "load", "load_all"]
