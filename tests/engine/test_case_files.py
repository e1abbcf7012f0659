"""One bad case file breaks only itself (issue 13 item 8).

Each test runs the real `python -m harness run` on a copy of the repository whose
cases/ holds one broken module beside the good ones: a syntax error, bytes that are
not UTF-8, an id with a comma (it would split the workers' task list), or inputs
holding inf (run.json is strict JSON). The broken case is an `error` on every backend
naming its file and line; the good cases agree; `--cases` that exclude it never
notice it.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from faulty_backend import REPO

GOOD = "logsumexp_gradient_sum"
SOURCE = (REPO / "cases" / f"{GOOD}.py").read_text()


def _renamed(case_id: str, **replace) -> str:
    text = SOURCE.replace(f'id="{GOOD}"', f'id="{case_id}"')
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


BROKEN = {
    # file name: (bytes, the words of the error, the line it names)
    "broken_syntax.py": (b'"""A case."""\n\nCASE = Case(id="x",\n    title=)\n',
                         "SyntaxError", "line 4"),
    "broken_bytes.py": (b'"""A case."""\n# caf\xe9 in Latin-1\n', "not UTF-8 text (byte 0xe9",
                        "line 2"),
    "broken_comma.py": (_renamed("two,cases").encode(), "case id 'two,cases' may hold only",
                        "line "),
}


@pytest.fixture
def repo_with(tmp_path, numpy_python):
    """A copy of the repository's code with one extra case file: (root, environment)."""
    def make(name: str, data: bytes):
        root = tmp_path / "repo"
        for part in ("harness", "backends", "cases"):
            shutil.copytree(REPO / part, root / part,
                            ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(REPO / "pyproject.toml", root)
        (root / "cases" / name).write_bytes(data)
        env = dict(os.environ, PYTHONPATH=str(root),
                   HARNESS_ENV_DIR=str(Path(numpy_python).parents[2]))
        return root, env
    return make


def run(root, env, *args):
    out = root / "out"
    result = subprocess.run([sys.executable, "-m", "harness", "run", "--backends", "numpy",
                             "--dtypes", "float64", "--out", str(out), *args], cwd=root,
                            env=env, capture_output=True, text=True, timeout=600, check=False)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result, json.loads((out / "run.json").read_text())


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_case_file_is_an_error_for_that_case_alone(repo_with, name):
    data, words, line = BROKEN[name]
    root, env = repo_with(name, data)
    stem = Path(name).stem
    result, doc = run(root, env, "--cases", f"{GOOD},{stem}")
    assert result.returncode == 1
    by_case = {}
    for r in doc["results"]:
        by_case.setdefault(r["case"], set()).add(r["status"])
    assert by_case == {GOOD: {"ok"}, stem: {"error"}}
    for r in doc["results"]:
        if r["case"] == stem:
            assert f"cases/{name}" in r["error"]["message"]
            assert words in r["error"]["message"] and line in r["error"]["message"]
    assert {v["verdict"] for v in doc["verdicts"] if v["case"] == GOOD} == {"agree"}
    assert {v["verdict"] for v in doc["verdicts"] if v["case"] == stem} == {"error"}
    assert f"cases/{name}" in result.stdout


@pytest.mark.parametrize("name", list(BROKEN))
def test_cases_that_exclude_a_broken_file_never_notice_it(repo_with, name):
    root, env = repo_with(name, BROKEN[name][0])
    result, doc = run(root, env, "--cases", GOOD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {r["case"] for r in doc["results"]} == {GOOD}


def test_inputs_holding_inf_are_a_case_definition_error_not_a_crash(repo_with):
    text = _renamed("inf_bound", **{'inputs={"function"': 'inputs={"bound": float("inf"), '
                                                          '"function"'})
    root, env = repo_with("inf_bound.py", text.encode())
    result, doc = run(root, env, "--cases", f"{GOOD},inf_bound")
    assert result.returncode == 1
    bad = [r for r in doc["results"] if r["case"] == "inf_bound"]
    assert {r["backend"] for r in bad} == {"numpy", "reference"}
    for r in bad:
        assert r["status"] == "error" and r["error"]["type"] == "CaseDefinitionError"
        assert "inputs['bound'] is inf" in r["error"]["message"]
    assert {r["status"] for r in doc["results"] if r["case"] == GOOD} == {"ok"}
    assert not [p for p in doc["problems"] if p["kind"] in ("crash", "junk", "protocol")]
