"""Atomic file writes (a reader sees the old file or the new one, never half of one), the
lock that serialises writers across processes, and the reading of the small JSON files
(caches, markers) that may be absent or damaged."""

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_lock(path):
    """Hold an exclusive lock on `path` (created, with its folder) while inside."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _stage(path: Path, data: str | bytes) -> Path:
    """A temporary file beside `path` holding `data`, flushed to disk; removed on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")  # before any file exists: a bad character fails here
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are for everyone to read
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomic(path, data: str | bytes) -> Path:
    """Write to a temporary file in the same folder, fsync, then rename over `path`."""
    path = Path(path)
    tmp = _stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_together(files: dict) -> tuple:
    """Write several files as one set: ((path, OSError) of the first rename that failed, or
    None, paths renamed).

    Every file is first written to a temporary beside it (a failure there, such as a
    full disk, raises with nothing replaced); then they are renamed in order, stopping
    at the first rename that fails, whose temporary and the rest are removed."""
    staged: dict = {}
    try:
        for path, data in files.items():
            staged[Path(path)] = _stage(Path(path), data)
        done = []
        for path, tmp in staged.items():
            try:
                os.replace(tmp, path)
            except OSError as exc:
                return (path, exc), done
            done.append(path)
        return None, done
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)


def read_json_object(path) -> dict | None:
    """The JSON object in `path`, or None when the file is absent, unreadable, not JSON or
    not an object: a cache entry or marker in that state is as good as missing."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_json_atomic(path, obj) -> Path:
    return write_atomic(path, json.dumps(obj, indent=1, sort_keys=True, allow_nan=False) + "\n")
