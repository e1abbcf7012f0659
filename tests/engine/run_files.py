"""Reading and writing run.json in tests, through the harness's own schema (standard library).

On disk an output refers to the "arrays" table (harness-run/2); these give the in-memory
form, every output inline, as `harness compare` reads it.
"""

import json
from pathlib import Path

from harness.run import schema


def read_run_file(path) -> dict:
    """The run.json in folder `path` (or the file `path`), every output inline."""
    path = Path(path)
    return schema.upgrade(json.loads((path / "run.json" if path.is_dir() else path).read_text()))


def write_run_file(path, doc: dict) -> None:
    """Write an in-memory run as harness-run/2 (each distinct array stored once)."""
    Path(path).write_text(json.dumps(schema.pack(doc)))
