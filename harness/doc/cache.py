"""Reuse a chapter tab's results while nothing that could change them has changed.

A tab's key is a hash of its program text (every cell as the kernel receives it,
with the chapter's line numbers and path, so tracebacks stay true), the pinned
packages of its environment (its pyproject groups and doc extras), the harness
version and the source of the harness package itself, and the run options that
reach the kernel. Only tabs that ran to the end are stored: a timeout or a crash
depends on the machine, so it runs again. Entries are one JSON file per key,
written atomically; an unreadable entry is a miss, never an error.
"""

import hashlib
import json
from pathlib import Path

import harness
from harness import REPO_ROOT, envs
from harness.common.fileio import read_json_object, write_json_atomic
from harness.doc import extras, parser
from harness.doc.runner import TabRun
from harness.facts import REFERENCE_ENV

FORMAT = "harness-doc-cache/1"
_source_hash = None


def harness_version() -> str:
    """The package version plus a hash of its source: an edited kernel invalidates entries."""
    global _source_hash
    if _source_hash is None:
        h = hashlib.sha256()
        for path in sorted((REPO_ROOT / "harness").rglob("*.py")):
            h.update(path.relative_to(REPO_ROOT).as_posix().encode())
            h.update(path.read_bytes())
        _source_hash = h.hexdigest()[:16]
    return f"{harness.__version__}+{_source_hash}"


def env_pins(env_name: str | None) -> list:
    if env_name is None:
        return []
    try:
        return envs.requirements(env_name) + extras.requirements(env_name)
    except envs.EnvError:
        return [f"undeclared:{env_name}"]


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:32]


def tab_key(chapter, tab: str, options: dict) -> str:
    env_name = parser.tab_env(tab)
    program = [parser.cell_program(c, tab) for c in chapter.cells_for(tab)]
    return _digest({"format": FORMAT, "kind": "tab", "path": str(Path(chapter.path).resolve()),
                    "tab": tab, "program": program, "pins": env_pins(env_name),
                    "harness": harness_version(), "options": options})


def cases_key(case_ids, missing_tabs, options: dict) -> str:
    """Key of the cases' cross-check: the case ids, cases/ and backends/ sources, the pins."""
    h = hashlib.sha256()
    for folder in ("cases", "backends"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            h.update(path.relative_to(REPO_ROOT).as_posix().encode() + path.read_bytes())
    env_names = [REFERENCE_ENV] + [parser.TAB_ENVS[t] for t in missing_tabs]
    return _digest({"format": FORMAT, "kind": "cases", "ids": list(case_ids),
                    "missing": list(missing_tabs), "sources": h.hexdigest(),
                    "pins": {e: env_pins(e) for e in env_names},
                    "harness": harness_version(), "options": options})


class Store:
    """One folder of cache entries; `enabled=False` (--no-cache) reads nothing, writes anew."""

    def __init__(self, folder, enabled=True):
        self.folder, self.enabled = Path(folder), enabled

    def _path(self, kind, key) -> Path:
        return self.folder / kind / f"{key}.json"

    def get(self, kind, key):
        if not self.enabled:
            return None
        entry = read_json_object(self._path(kind, key))
        return entry.get("value") if entry and entry.get("format") == FORMAT else None

    def put(self, kind, key, value) -> None:
        write_json_atomic(self._path(kind, key), {"format": FORMAT, "value": value})


def tab_to_json(run: TabRun, cells) -> dict:
    """A finished tab: its summary and its cells' replies in program order."""
    return dict(run.as_dict(), cells=[run.cells.get(c.index) for c in cells])


def tab_from_json(obj: dict, cells) -> TabRun | None:
    replies = obj.get("cells") or []
    if len(replies) != len(cells) or any(r is None for r in replies):
        return None
    run = TabRun(obj["tab"], obj["env"], obj["status"], obj.get("error"), obj.get("python"),
                 obj.get("seconds", 0.0))
    run.cells = {c.index: r for c, r in zip(cells, replies)}
    run.cached = True
    return run


def cacheable(run: TabRun) -> bool:
    return run.status == "ok"


def run_tabs(chapter, tabs, store: Store, options: dict, run) -> dict:
    """tab -> TabRun: cached tabs from the store, the others by `run(tabs)` (then stored)."""
    keys = {t: tab_key(chapter, t, options) for t in tabs}
    found = {}
    for tab in tabs:
        obj = store.get("tabs", keys[tab])
        hit = tab_from_json(obj, chapter.cells_for(tab)) if obj else None
        if hit is not None:
            found[tab] = hit
    fresh = run([t for t in tabs if t not in found])
    for tab, tab_run in fresh.items():
        tab_run.cached = False
        if cacheable(tab_run):
            store.put("tabs", keys[tab], tab_to_json(tab_run, chapter.cells_for(tab)))
    return {t: found.get(t) or fresh[t] for t in tabs}


def _runs_to_json(run: dict) -> dict:
    return dict(run, results=[[c, d, msg] for (c, d), msg in run["results"].items()])


def _runs_from_json(obj: dict) -> dict:
    return dict(obj, results={(c, d): msg for c, d, msg in obj["results"]})


def case_work(store: Store, work, chapter, entries, missing, options):
    """(reference, backend runs) of the matching cases, reused while their key holds."""
    ids = [e["id"] for e in entries]
    if not ids:
        return work(chapter, entries, missing)
    key = cases_key(ids, missing, options)
    obj = store.get("cases", key)
    if obj is not None:
        return (_runs_from_json(obj["reference"]),
                {t: _runs_from_json(r) for t, r in obj["missing"].items()})
    reference, backend_runs = work(chapter, entries, missing)
    runs = [reference, *backend_runs.values()]
    if not any(r.get("error") for r in runs):
        store.put("cases", key, {"reference": _runs_to_json(reference),
                                 "missing": {t: _runs_to_json(r) for t, r in backend_runs.items()}})
    return reference, backend_runs
