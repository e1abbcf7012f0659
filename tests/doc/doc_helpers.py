"""Helpers for doc-mode tests: run `python -m harness doc` in a subprocess, read doc.json."""

import json
import subprocess
import sys
from pathlib import Path

from harness import REPO_ROOT

FIXTURES = Path(__file__).parent / "fixtures"


class DocRun:
    def __init__(self, proc, out_dir):
        self.rc, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.out_dir = out_dir
        path = out_dir / "doc.json"
        self.doc = json.loads(path.read_text()) if path.exists() else None

    def findings(self, kind=None, what=None):
        """Findings of `kind`; with `what`, those that have an item of that name."""
        return [f for f in self.doc["findings"]
                if (kind is None or f["kind"] == kind)
                and (what is None or any(i["what"] == what for i in f["items"]))]

    def item(self, kind, what):
        """The one item named `what` among the findings of `kind`."""
        (item,) = [i for f in self.findings(kind) for i in f["items"] if i["what"] == what]
        return item

    def outputs(self, tab):
        """The tab's cell outputs, in document order."""
        return [g["outputs"][tab] for g in self.doc["groups"] if tab in g["outputs"]]


def run_doc(chapter, out_dir, *args, timeout=600):
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "doc", str(chapter), "--out", str(out_dir), *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    return DocRun(proc, Path(out_dir))
