"""Options are checked before any work, the same way by every command (issue 13 items 6, 12).

Through the real `python -m harness ...`: a non-finite or non-positive number of
seconds, an empty comma list, a repeated `--python NAME=` are each exit 2 with the
option named, and nothing is written in --out (no worker ever started).
"""

import pytest
from faulty_backend import REPO

CHAPTER = REPO / "tests" / "doc" / "fixtures" / "drift.md"


@pytest.mark.parametrize("command, option, value", [
    ("run", "--timeout", "nan"),
    ("run", "--timeout", "inf"),
    ("run", "--timeout", "1e309"),
    ("run", "--timeout", "-1"),
    ("run", "--jobs", "0"),
    ("bench", "--max-call", "inf"),
    ("bench", "--min-time", "nan"),
    ("bench", "--timeout", "0"),
    ("doc", "--cell-timeout", "inf"),
])
def test_non_finite_or_non_positive_numbers_are_refused_before_any_work(
        harness, tmp_path, command, option, value):
    first = [str(CHAPTER)] if command == "doc" else []
    result = harness(command, *first, option, value, "--out", tmp_path / "out", timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"argument {option}: must be a positive" in result.stderr
    assert f"got '{value}'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command, option", [
    ("run", "--backends"), ("run", "--dtypes"), ("run", "--cases"),
    ("bench", "--backends"), ("bench", "--dtypes"), ("bench", "--workloads"),
    ("envs", "--create"), ("doc", "--tabs"),
])
@pytest.mark.parametrize("value", ["", ",", " , "])
def test_an_empty_list_is_an_error_for_every_option(harness, tmp_path, command, option, value):
    first = [str(CHAPTER)] if command == "doc" else []
    out = [] if command == "envs" else ["--out", tmp_path / "out"]
    result = harness(command, *first, option, value, *out, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"error: {option} is empty" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["run", "bench"])
def test_a_repeated_python_name_is_an_error_not_the_last_one_silently(
        harness, tmp_path, command, numpy_python):
    result = harness(command, "--backends", "numpy", "--python", f"numpy={numpy_python}",
                     "--python", "numpy=/bin/sh", "--out", tmp_path / "out", timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--python numpy= given twice" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["run", "bench"])
def test_unknown_names_are_listed_together_in_every_command(harness, tmp_path, command):
    result = harness(command, "--backends", "numpy,tourch,jaxx", "--out", tmp_path / "out",
                     timeout=120)
    assert result.returncode == 2
    assert "error: unknown backend(s) tourch, jaxx; known: " in result.stderr


def test_the_reference_is_computed_in_its_own_environment_not_with_python_numpy(
        harness, read_run, tmp_path, numpy_python):
    """`--python numpy=X` is the numpy backend's interpreter only; `reference=X` is the
    reference's. A wrapper interpreter marks which worker it ran."""
    marks = tmp_path / "marks"
    marks.mkdir()
    wrapper = tmp_path / "python-numpy"
    wrapper.write_text(f'#!/bin/sh\ntouch "{marks}/$$"\nexec "{numpy_python}" "$@"\n')
    wrapper.chmod(0o755)
    out = tmp_path / "out"
    result = harness("run", "--backends", "numpy", "--cases", "chain_rule_forward",
                     "--dtypes", "float64", "--python", f"numpy={wrapper}", "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    env = read_run(out)["environment"]["backends"]
    assert env["numpy"]["env"] == str(wrapper)
    assert env["reference"]["env"] != str(wrapper)
    assert len(list(marks.iterdir())) == 1  # one worker ran through the wrapper: numpy's
    out2 = tmp_path / "out2"
    result = harness("run", "--backends", "numpy", "--cases", "chain_rule_forward",
                     "--dtypes", "float64", "--python", f"reference={wrapper}", "--out", out2)
    assert result.returncode == 0, result.stdout + result.stderr
    env = read_run(out2)["environment"]["backends"]
    assert env["reference"]["env"] == str(wrapper) and env["numpy"]["env"] != str(wrapper)
