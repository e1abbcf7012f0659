"""`harness doc --tab-env TAB=BACKEND@VERSION`: a tab run with another framework version."""

import subprocess
import sys

from doc_helpers import FIXTURES

from harness import REPO_ROOT
from harness.doc import parser


def _doc(*args):
    return subprocess.run([sys.executable, "-m", "harness", "doc", str(FIXTURES / "drift.md"),
                           *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
                          check=False)


def test_a_version_that_does_not_exist_is_a_usage_error_before_any_cell(tmp_path):
    proc = _doc("--tab-env", "pytorch=torch@0.0.1", "--out", tmp_path / "out")
    assert proc.returncode == 2, proc.stderr
    assert "torch@0.0.1" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_tab_runs_only_its_own_framework(tmp_path):
    proc = _doc("--tab-env", "pytorch=jax@0.4.38", "--out", tmp_path / "out")
    assert proc.returncode == 2 and "tab pytorch runs torch" in proc.stderr


def test_the_chosen_environment_reaches_the_chapter_processes(monkeypatch):
    monkeypatch.setenv(parser.TAB_ENV_VARIABLE, "jax=jax@0.4.38,pytorch=torch@2.5.1")
    assert parser.tab_env("jax") == "jax@0.4.38" and parser.tab_env("pytorch") == "torch@2.5.1"
    assert parser.tab_env("tensorflow") == "tensorflow"
