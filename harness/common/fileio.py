"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

import json
import os
import tempfile
from pathlib import Path


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


def write_json_atomic(path, obj) -> Path:
    return write_atomic(path, json.dumps(obj, indent=1, sort_keys=True, allow_nan=False) + "\n")
