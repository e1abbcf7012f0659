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
"""

import ast
import importlib
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_NOT_CASES = {"base"}
_INDEXED = ("id", "title", "section", "order")
_PLACE = ("chapter", "section_number")      # where a chapter case comes from (required)
_CALLS = ("calls",)  # a convention case: the APIs whose use points to it (doc mode)
# group -> folder of its case modules: the chapter's examples, and the convention cases
# (points where a derivative is not defined and each framework picks an answer).
GROUPS = {"chapter": _HERE, "conventions": _HERE / "conventions"}


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
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
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


def case_index(groups=None) -> list[dict]:
    """[{id, title, section, module, order, group}]: the chapter's cases in chapter order,
    then the convention cases; imports no case module. `groups` limits the groups."""
    entries = [_entry(p, group) for group, folder in GROUPS.items()
               if groups is None or group in groups
               for p in sorted(folder.glob("*.py"))
               if not p.stem.startswith("_") and p.stem not in _NOT_CASES]
    ids = [e["id"] for e in entries]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CaseError(f"duplicate case id(s): {', '.join(dupes)}")
    rank = list(GROUPS)
    return sorted(entries, key=lambda e: (rank.index(e["group"]), e["order"], e["id"]))


def ids() -> list[str]:
    return [e["id"] for e in case_index()]


_LOADED_INDEX: list[dict] = []   # load()'s copy: a worker loads every case in turn, and
                                 # reading the index parses every case file (~80 ms)


def load(case_id: str):
    """The `Case` with this id (imports its module, hence numpy)."""
    entry = next((e for e in _LOADED_INDEX if e["id"] == case_id), None)
    if entry is None:   # first call, or a case added since: read the index again
        _LOADED_INDEX[:] = case_index()
        entry = next((e for e in _LOADED_INDEX if e["id"] == case_id), None)
    if entry is None:
        raise UnknownCase(f"unknown case {case_id!r}; known: {', '.join(ids())}")
    case = importlib.import_module(entry["module"]).CASE
    if case.id != case_id:
        raise CaseError(f"{entry['module']}: index says id {case_id!r}, CASE.id is "
                        f"{case.id!r}")
    return case


def load_all() -> list:
    return [load(i) for i in ids()]


__all__ = ["CaseError", "UnknownCase", "case_index", "ids", "load", "load_all"]
