"""Well-formed JSON with the wrong contents from a worker (issue 13 items 3 and 12).

The faulty backend (tests/engine/faulty_backend) overwrites fields of its own result
or hello message ($HARNESS_FAULT_MESSAGE, $HARNESS_FAULT_HELLO). Through the real
`python -m harness run`: each is a named `protocol` problem in run.json, the task it
answered is an `error` saying which field was wrong, every other result is complete,
all three reports are written, and nothing reaches the terminal or report.html raw.
"""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from faulty_backend import environment, install

A, B = "chain_rule_forward", "backpropagation_by_hand"


@pytest.fixture(scope="module")
def faulty_dir(tmp_path_factory):
    return install(tmp_path_factory.mktemp("faultpkg"))


def run_forged(out, faulty_dir, message=None, hello=None, dtypes="float64"):
    env = environment(faulty_dir, f"message@{A}@float64" if message else "")
    env["HARNESS_FAULT_MESSAGE"] = json.dumps(message or {})
    env["HARNESS_FAULT_HELLO"] = json.dumps(hello or {})
    result = subprocess.run([sys.executable, "-m", "harness", "run", "--backends",
                             "numpy,faulty", "--cases", f"{A},{B}", "--dtypes", dtypes,
                             "--out", str(out)], env=env, capture_output=True, text=True,
                            timeout=600, check=False)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    for name in ("run.json", "junit.xml", "report.html"):
        assert (out / name).exists(), (name, result.stderr[-3000:])
    ET.parse(out / "junit.xml")
    return result, json.loads((out / "run.json").read_text())


def status_of(run, backend, case, dtype="float64"):
    (r,) = [r for r in run["results"] if (r["backend"], r["case"], r["dtype"])
            == (backend, case, dtype)]
    return r


@pytest.mark.parametrize("fields, where", [
    ({"outputs": ["g"]}, "outputs: a list, expected an object"),
    ({"outputs": {"f": 5}}, "outputs.f: an integer, expected an object"),
    ({"outputs": {"f": {"dtype": ["float64"], "shape": [], "data": ""}}},
     "outputs.f.dtype: a list, expected a string"),
    ({"seconds": "fast"}, "seconds: a string, expected a number or null"),
    ({"seconds": 10 ** 400}, "seconds: 1000000000000000... is not a finite number"),
    ({"error": "a string"}, "error: a string, expected an object or null"),
    ({"methods": ["x"]}, "methods: a list, expected an object"),
    ({"methods": {"g": 5}}, "methods.g: an integer, expected a string or null"),
    ({"status": "great"}, "status: 'great', expected one of ok, error, unsupported"),
])
def test_a_result_with_a_wrong_field_is_an_error_for_its_task_alone(
        tmp_path, faulty_dir, fields, where):
    result, run = run_forged(tmp_path / "out", faulty_dir, message=fields)
    assert result.returncode == 1
    bad = status_of(run, "faulty", A)
    assert bad["status"] == "error" and bad["error"]["type"] == "ProtocolError"
    assert where in bad["error"]["message"]
    assert status_of(run, "faulty", B)["status"] == "ok"
    assert {r["status"] for r in run["results"] if r["backend"] != "faulty"} == {"ok"}
    problems = [p for p in run["problems"] if p["kind"] == "protocol"]
    assert len(problems) == 1 and where in problems[0]["detail"]
    assert problems[0]["backend"] == "faulty"
    assert f"- {A} [faulty float64]" in result.stdout


def test_a_nan_token_in_a_result_is_junk_and_the_task_is_reported_lost(tmp_path, faulty_dir):
    """Python's json writes NaN as a bare token, which strict JSON (and the protocol) refuse."""
    result, run = run_forged(tmp_path / "out", faulty_dir, message={"seconds": float("nan")})
    assert result.returncode == 1
    assert status_of(run, "faulty", A)["status"] == "crashed"
    junk = [p for p in run["problems"] if p["kind"] == "junk"]
    assert junk and "NaN is not a JSON value" in junk[0]["detail"]
    assert status_of(run, "faulty", B)["status"] == "ok"


@pytest.mark.parametrize("fields, where", [
    ({"methods": ["x"]}, "hello message: methods: a list, expected an object"),
    ({"error": "broken"}, "hello message: error: a string, expected an object or null"),
    ({"threads": {"n": [1]}}, ("hello message: threads.n: a list, expected an integer or "
                               "a string or null")),
])
def test_a_hello_with_a_wrong_field_is_a_problem_and_the_cases_still_run(
        tmp_path, faulty_dir, fields, where):
    result, run = run_forged(tmp_path / "out", faulty_dir, hello=fields)
    assert result.returncode == 1
    assert {r["status"] for r in run["results"]} == {"ok"}
    assert [p["detail"] for p in run["problems"] if p["kind"] == "protocol"] == [where]
    assert run["environment"]["backends"]["faulty"]["version"]  # the rest of hello was kept


def test_control_characters_in_a_message_never_reach_the_terminal_or_a_report(tmp_path,
                                                                             faulty_dir):
    """ANSI colour codes and NUL in an error message: kept as they came in run.json (as
    JSON escapes), never raw on the terminal (progress and table), junit.xml or
    report.html."""
    raw = "\x1b[31mred\x1b[0m and a NUL \x00 here"
    message = {"status": "error", "outputs": {}, "methods": {},
               "error": {"type": "RuntimeError", "message": raw, "traceback": raw}}
    out = tmp_path / "out"
    hello = {"error": {"type": "RuntimeError", "message": raw, "traceback": ""}}
    result, run = run_forged(out, faulty_dir, message=message, hello=hello)
    assert result.returncode == 1
    assert status_of(run, "faulty", A)["error"]["message"] == raw  # lossless
    assert "[faulty] cannot load: red and a NUL \\x00 here" in result.stderr  # progress
    for text in (result.stdout, result.stderr, (out / "report.html").read_text(),
                 (out / "junit.xml").read_text(), (out / "run.json").read_text()):
        assert "\x1b" not in text and "\x00" not in text
    assert "red" in result.stdout and "NUL \\x00 here" in result.stdout


@pytest.mark.parametrize("how, telling", [("exit", "exit status 3"),
                                         ("abort", "Fatal Python error: Aborted")])
def test_a_crash_quotes_the_telling_stderr_line_not_a_protocol_line(tmp_path, faulty_dir,
                                                                    how, telling):
    """A case writes a line of protocol JSON to fd 1 (which is stderr), then the worker dies:
    the crash message never quotes that JSON line."""
    out = tmp_path / "out"
    env = environment(faulty_dir, f"print@{A}@float64,{how}@{A}@float64")
    subprocess.run([sys.executable, "-m", "harness", "run", "--backends", "numpy,faulty",
                    "--cases", A, "--dtypes", "float64", "--out", str(out)], env=env,
                   capture_output=True, text=True, timeout=600, check=False)
    run = json.loads((out / "run.json").read_text())
    result = status_of(run, "faulty", A)
    assert result["status"] == "crashed" and telling in result["error"]["message"]
    assert '{"type"' not in result["error"]["message"]
