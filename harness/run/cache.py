"""Results that only a case's source and pinned packages decide, kept across runs.

The reference's values (SymPy evaluated with mpmath) and the numpy backend's
(numdifftools) are deterministic: the same case source, seed, dtype, worker code
and pinned packages give the same bits. `harness run` reuses them from
`<env dir>/.cache/results/` instead of recomputing them every run; `--no-cache`
recomputes (and rewrites) them. A result is stored only when it is "ok".

The key hashes: the harness version; the case's module and every shared module of
`cases/` and its sub-packages (base.py, _*.py, __init__.py); the worker and protocol code that produce
and encode the values (and, for the numpy backend, its adapter); the environment's
pinned requirements (and Python minor version); the case id, dtype and run seed.
Editing any of them misses the cache. An interpreter given with --python is not a
pinned environment, so its results are never cached. Entries are written
atomically (harness.common.fileio), one file per key, so concurrent runs and
other checkouts sharing the environments never read a half-written or foreign one.
"""

import hashlib
import json
from pathlib import Path

from harness import REPO_ROOT, __version__
from harness.common.fileio import read_json_object, write_atomic

FORMAT = "harness-result-cache/3"   # /2: outputs kept in the case's order; /3: tolerance classes
# backend -> (environment whose pins key it, adapter files whose code decides the numbers)
CACHEABLE = {
    "reference": ("numpy", ()),
    "numpy": ("numpy", ("backends/__init__.py", "backends/base.py", "backends/numpy.py")),
}
WORKER_FILES = ("harness/run/worker/__main__.py", "harness/common/protocol.py")


def _shared_case_files() -> list[str]:
    """Every module of cases/ (and its sub-packages) that is not itself a case."""
    root = REPO_ROOT / "cases"
    return sorted(p.relative_to(REPO_ROOT).as_posix() for p in root.rglob("*.py")
                  if p.stem.startswith("_") or p.stem == "base")


class ResultCache:
    """Lookup and store of cacheable results for one run (file hashes read once)."""

    def __init__(self, root: Path, requirement_hashes: dict, seed: int):
        self.root = Path(root)
        self.requirement_hashes = requirement_hashes   # env name -> requirements hash
        self.seed = seed
        self._file_hashes: dict = {}

    def _hash_file(self, rel) -> str:
        path = REPO_ROOT / rel
        if path not in self._file_hashes:
            self._file_hashes[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        return self._file_hashes[path]

    def key(self, backend: str, case: dict, dtype: str) -> str:
        env, adapter_files = CACHEABLE[backend]
        module = "/".join(case["module"].split(".")) + ".py"
        files = [module, *_shared_case_files(), *WORKER_FILES, *adapter_files]
        blob = json.dumps({
            "format": FORMAT, "harness": __version__, "backend": backend,
            "case": case["id"], "dtype": dtype, "seed": self.seed,
            "requirements": self.requirement_hashes[env],
            "files": {f: self._hash_file(f) for f in files},
        }, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def _path(self, backend: str, case_id: str, dtype: str, key: str) -> Path:
        return self.root / backend / f"{case_id}@{dtype}-{key}.json"

    def lookup(self, backend: str, case: dict, dtype: str) -> dict | None:
        """The stored entry {key, record, meta, hello} or None (absent, unreadable, foreign)."""
        key = self.key(backend, case, dtype)
        entry = read_json_object(self._path(backend, case["id"], dtype, key))
        if entry is None or entry.get("key") != key or \
                entry.get("format") != FORMAT or not isinstance(entry.get("record"), dict):
            return None
        return entry

    def store(self, backend: str, case: dict, dtype: str, record: dict, meta, hello) -> None:
        key = self.key(backend, case, dtype)
        entry = {"format": FORMAT, "key": key, "record": record, "meta": meta, "hello": hello}
        # keys unsorted: the outputs' order is the case's, and the reports keep it
        write_atomic(self._path(backend, case["id"], dtype, key),
                     json.dumps(entry, allow_nan=False) + "\n")


def reuse_results(run, pythons: dict, reuse: bool) -> None:
    """Give `run` (harness.run.command.Run) the cached results of its deterministic
    backends (unless not `reuse`: --no-cache) and a cache to store new ones in. Never
    for an interpreter given with --python: its packages are not the pinned ones."""
    from harness import envs
    from harness.envs.caches import cache_root, requirements_hash
    chosen = {b for b in run.tasks if b in CACHEABLE
              and not pythons.get(b) and not pythons.get(CACHEABLE[b][0])}
    try:
        hashes = {CACHEABLE[b][0]: requirements_hash(CACHEABLE[b][0]) for b in chosen}
    except envs.EnvError:
        return
    run.cache = ResultCache(cache_root() / "results", hashes, run.args.seed)
    run.cacheable = chosen
    for backend in sorted(chosen) if reuse else ():
        for case, dtype in run.tasks[backend]:
            if "module" not in run.case_entries[case]:   # a broken case file: no cache
                continue
            entry = run.cache.lookup(backend, run.case_entries[case], dtype)
            if entry is not None and isinstance(entry.get("hello"), dict):  # doc's lack one
                _add_cached(run, backend, case, dtype, entry)


def _add_cached(run, backend: str, case: str, dtype: str, entry: dict) -> None:
    rec = entry["record"]
    with run.lock:   # no worker may start: the hello of the one that computed it stands in
        run.case_meta.setdefault(case, entry.get("meta") or {"id": case})
        run.hello.setdefault(backend, {**entry["hello"], "cached": True})
    run.add_result(backend, case, dtype, rec.get("status", "ok"), rec.get("outputs"),
                   rec.get("methods"), rec.get("error"), None, rec.get("tolerance_classes"),
                   cached={"key": entry["key"], "seconds": rec.get("seconds")})


def worker_results(backend: str, tasks: list, compute) -> dict:
    """`harness doc`'s case results ({error, meta, results {(case, dtype): message}}, as
    harness.doc.caselink.run_worker gives them) with the cache: cached tasks reused, the
    rest from compute(missing tasks) and stored. The doc worker runs with seed 0."""
    from harness import envs
    from harness.envs.caches import cache_root, requirements_hash
    try:
        import cases
        index = {e["id"]: e for e in cases.case_index()}
        env = CACHEABLE[backend][0]
        cache = ResultCache(cache_root() / "results", {env: requirements_hash(env)}, 0)
    except (KeyError, envs.EnvError, cases.CaseError):
        return compute(tasks)
    out = {"error": None, "meta": {}, "results": {}, "backend": backend}
    missing = []
    for case, dtype in tasks:
        entry = cache.lookup(backend, index[case], dtype) if case in index else None
        if entry is None:
            missing.append((case, dtype))
            continue
        out["meta"][case] = entry.get("meta") or {}
        out["results"][(case, dtype)] = {**entry["record"], "type": "result",
                                         "cached": {"key": entry["key"]}}
    if missing:
        got = compute(missing)
        out["error"] = got.get("error")
        out["meta"].update(got.get("meta") or {})
        out["results"].update(got.get("results") or {})
        for (case, dtype), msg in (got.get("results") or {}).items():
            if msg.get("status") == "ok" and case in index:
                record = {k: msg.get(k) for k in ("case", "dtype", "status", "outputs",
                                                  "methods", "tolerance_classes", "error",
                                                  "seconds")}
                try:
                    cache.store(backend, index[case], dtype, {**record, "backend": backend},
                                out["meta"].get(case), None)
                except OSError:
                    pass   # a cache that cannot be written costs time, never results
    return out
