"""The chapter's examples, one module per example, each defining `CASE = Case(...)`.

A case names where it comes from by the chapter's `:label:` (`chapter`) and the
section's position (`section_number`, the n-th `##` heading), which are the same in
every edition and translation of the chapter; `section` is the heading's text, for
people.

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
_PLACE = ("chapter", "section_number")      # where a chapter case comes from (required)
_CALLS = ("calls",)  # a convention case: the APIs whose use points to it (doc mode)
# group -> folder of its case modules: the chapter's examples, and the convention cases
# (points where a derivative is not defined and each framework picks an answer).
GROUPS = {"chapter": _HERE, "conventions": _HERE / "conventions"}
# a case id travels in task lists (CASE@DTYPE,...), file names and reports: a plain name
CASE_ID = re.compile(r"[A-Za-z0-9_./-]+")


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


def _entry(path: Path, group: str) -> dict:
    tree = ast.parse(path.read_bytes().decode("utf-8"), filename=str(path))
    call = _case_call(tree, path)
    found = {}
    wanted = _INDEXED + (_PLACE if group == "chapter" else _CALLS)
    for kw in call.keywords:
        if kw.arg in wanted:
            try:
                found[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                raise CaseError(f"{path.name}: Case({kw.arg}=...) must be a literal") from None
    missing = [k for k in wanted if k not in found]
    if missing:
        raise CaseError(f"{path.name}: Case(...) lacks literal {', '.join(missing)}")
    if not isinstance(found["order"], int) or not all(
            isinstance(found[k], str) and found[k] for k in ("id", "title", "section")):
        raise CaseError(f"{path.name}: id/title/section must be non-empty strings, order an int")
    if not CASE_ID.fullmatch(found["id"]):
        raise CaseError(f"{path.name}, line {call.lineno}: case id {found['id']!r} may hold only "
                        f"letters, digits, '_', '.', '/' and '-'")
    if group == "chapter":
        _check_place(found, path)
    package = __name__ if group == "chapter" else f"{__name__}.{group}"
    if group != "chapter" and not found["id"].startswith(f"{group}/"):
        raise CaseError(f"{path.name}: a {group} case's id must start with '{group}/'")
    return {**{k: found[k] for k in wanted}, "module": f"{package}.{path.stem}",
            "group": group}


def _check_place(found: dict, path: Path) -> None:
    """A chapter case names its chapter's `:label:` and its section's position."""
    if not isinstance(found["chapter"], str) or not found["chapter"]:
        raise CaseError(f"{path.name}: chapter must be the chapter's :label:, a non-empty string")
    if not isinstance(found["section_number"], int) or found["section_number"] < 1:
        raise CaseError(f"{path.name}: section_number must be a positive int (the n-th ## "
                        f"heading of the chapter)")


def _fault(path: Path, exc: Exception) -> str:
    """Why a case module cannot be indexed, with its file and line."""
    where = path.relative_to(_HERE.parent).as_posix()
    if isinstance(exc, SyntaxError):
        return f"{where}, line {exc.lineno}: SyntaxError: {exc.msg}"
    if isinstance(exc, UnicodeDecodeError):
        line = exc.object[:exc.start].count(b"\n") + 1
        return (f"{where}, line {line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
                f"at offset {exc.start})")
    text = str(exc)
    return text.replace(f"{path.name}", where, 1) if text.startswith(path.name) else \
        f"{where}: {type(exc).__name__}: {text}"


def _broken(path: Path, group: str, error: str) -> dict:
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", path.stem)
    return {"id": stem if group == "chapter" else f"{group}/{stem}", "group": group,
            "file": path.relative_to(_HERE.parent).as_posix(), "error": error}


def _scan(groups=None) -> tuple[list[dict], list[dict]]:
    """(good entries, broken entries {id: from the file name, file, error}) of the modules."""
    good, broken = [], []
    for group, folder in GROUPS.items():
        if groups is not None and group not in groups:
            continue
        for path in sorted(folder.glob("*.py")):
            if path.stem.startswith("_") or path.stem in _NOT_CASES:
                continue
            try:
                good.append((path, _entry(path, group)))
            except (CaseError, SyntaxError, ValueError, OSError) as exc:
                broken.append(_broken(path, group, _fault(path, exc)))
    ids = [e["id"] for _, e in good]
    for path, entry in [(p, e) for p, e in good if ids.count(e["id"]) > 1]:
        files = ", ".join(p.name for p, e in good if e["id"] == entry["id"])
        broken.append(_broken(path, entry["group"],
                              f"duplicate case id {entry['id']!r} in {files}"))
    good = [e for _, e in good if ids.count(e["id"]) == 1]
    rank = list(GROUPS)
    return sorted(good, key=lambda e: (rank.index(e["group"]), e["order"], e["id"])), broken


def case_index(groups=None) -> list[dict]:
    """[{id, title, section, module, order, group}]: the chapter's cases in chapter order,
    then the convention cases; imports no case module. `groups` limits the groups.

    Only the modules that can be indexed: see broken_cases() for the others."""
    return _scan(groups)[0]


def broken_cases(groups=None) -> list[dict]:
    """[{id (from the file name), group, file, error (with the line)}]: modules that cannot
    be indexed."""
    return _scan(groups)[1]


def ids() -> list[str]:
    return [e["id"] for e in case_index()]


_SCANNED: list = []   # load()'s (good, broken) scan: a worker loads every case in turn,
                      # and a scan parses every case file (~80 ms)


def load(case_id: str):
    """The `Case` with this id (imports its module, hence numpy)."""
    if not _SCANNED or case_id not in {e["id"] for part in _SCANNED[0] for e in part}:
        _SCANNED[:] = [_scan()]   # first call, or a case added since: scan again
    good, broken = _SCANNED[0]
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
