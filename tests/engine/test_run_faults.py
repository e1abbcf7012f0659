"""One fault on every float64 result of the plug-in backend "faulty", via the real command.

The faulty backend (tests/engine/faulty_backend, the one fault-injecting backend) gets
`KIND@*@float64`, so its float32 results and the numpy backend's show that what was
computed is kept and the other backends finish. Run `--backends faulty,numpy`.
test_faults.py aims faults at single tasks mid-run and covers the malformed outputs.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from faulty_backend import environment
from run_files import read_run_file


@pytest.fixture
def fault_env(faulty_dir):
    """Environment for a run that knows the faulty backend, `fault` on every float64 task."""
    return lambda fault: environment(faulty_dir, f"{fault}@*@float64" if fault else "")


def run_fault(harness, tmp_path, fault_env, fault, cases, *extra, timeout=300):
    out = tmp_path / "out"
    result = harness("run", "--backends", "faulty,numpy", "--cases", cases, "--out", out,
                     *extra, env=fault_env(fault), timeout=timeout)
    run = read_run_file(out)
    assert not list(out.glob("*.partial.jsonl")) and not list(out.glob(".*.tmp"))
    return result, run


def statuses(run, backend):
    return {(r["case"], r["dtype"]): r["status"] for r in run["results"] if r["backend"] == backend}


def assert_others_complete(run, cases):
    ok = {(c, d): "ok" for c in cases for d in ("float32", "float64")}
    assert statuses(run, "numpy") == ok
    assert all(v["verdict"] == "agree" for v in run["verdicts"] if v["backend"] == "numpy")
    faulty32 = [v for v in run["verdicts"] if v["backend"] == "faulty" and v["dtype"] == "float32"]
    assert faulty32 and all(v["verdict"] == "agree" for v in faulty32)


@pytest.mark.parametrize("fault, signame", [("segv", "SIGSEGV"), ("abort", "SIGABRT")])
def test_a_crashing_worker_loses_nothing_and_is_restarted(harness, tmp_path, fault_env,
                                                          two_cases, fault, signame):
    result, run = run_fault(harness, tmp_path, fault_env, fault, two_cases)
    cases = two_cases.split(",")
    assert result.returncode == 1
    assert statuses(run, "faulty") == {**{(c, "float32"): "ok" for c in cases},
                                       **{(c, "float64"): "crashed" for c in cases}}
    assert_others_complete(run, cases)
    crashed = [r for r in run["results"] if r["status"] == "crashed"]
    assert all(signame in r["error"]["message"] for r in crashed)
    assert "Fatal Python error" in crashed[0]["error"]["traceback"]  # the stderr tail
    assert f"crashed: WorkerCrash: worker killed by signal {signame}" in result.stdout
    assert run["timings"]["backends"]["faulty"]["workers"] == len(cases)  # restarted after each


def test_a_hanging_case_times_out_and_the_rest_runs(harness, tmp_path, fault_env, two_cases,
                                                    monkeypatch):
    """10 s per case, far above what a case that does not hang needs even on a loaded machine."""
    monkeypatch.setenv("HARNESS_FAULT_HANG_S", "60")  # ends: no timeout would mean "ok"
    result, run = run_fault(harness, tmp_path, fault_env, "hang", two_cases, "--timeout", "10")
    cases = two_cases.split(",")
    assert result.returncode == 1
    assert statuses(run, "faulty") == {**{(c, "float32"): "ok" for c in cases},
                                       **{(c, "float64"): "timeout" for c in cases}}
    assert_others_complete(run, cases)
    assert "timeout: Timeout: no result within 10 s" in result.stdout


@pytest.mark.parametrize("fault, verdict, words", [
    ("raise", "error", "RuntimeError: injected fault"),
    ("nan", "disagree", "non-finite"),
])
def test_bad_outputs_are_reported_never_agree(harness, tmp_path, fault_env, two_cases,
                                              fault, verdict, words):
    case = two_cases.split(",")[0]
    result, run = run_fault(harness, tmp_path, fault_env, fault, case)
    assert result.returncode == 1
    bad = [v for v in run["verdicts"] if v["backend"] == "faulty" and v["dtype"] == "float64"]
    assert bad and {v["verdict"] for v in bad} == {verdict}, bad
    assert all(words in v["detail"] for v in bad)
    assert_others_complete(run, [case])


def test_junk_on_the_channel_is_reported_and_does_not_break_the_run(harness, tmp_path,
                                                                    fault_env, two_cases):
    case = two_cases.split(",")[0]
    result, run = run_fault(harness, tmp_path, fault_env, "junk", case)
    assert result.returncode == 1
    assert set(statuses(run, "faulty").values()) == {"ok"}
    junk = [p for p in run["problems"] if p["kind"] == "junk"]
    assert junk and junk[0]["backend"] == "faulty" and "this is not JSON" in junk[0]["detail"]
    assert "junk [faulty" in result.stdout


def test_a_case_printing_to_stdout_cannot_corrupt_the_channel(harness, tmp_path, fault_env,
                                                               two_cases):
    case = two_cases.split(",")[0]
    result, run = run_fault(harness, tmp_path, fault_env, "print", case)
    assert result.returncode == 0, result.stdout
    assert not run["problems"]


def test_sigint_writes_what_was_computed_and_marks_the_rest(tmp_path, fault_env, two_cases):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", "--backends", "faulty,numpy", "--cases",
         two_cases, "--out", str(out), "--timeout", "300", "--jobs", "3"],
        env=fault_env("hang"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    partial = []
    while time.monotonic() < deadline:  # wait until the faulty worker hangs in float64
        partial = [json.loads(line) for p in out.glob("*.partial.jsonl")
                   for line in p.read_text().splitlines() if line.strip()]
        if any(r["backend"] == "faulty" for r in partial) and \
                sum(r["backend"] == "numpy" for r in partial) == 4:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    run = read_run_file(out)
    faulty = statuses(run, "faulty")
    assert faulty[(two_cases.split(",")[0], "float32")] == "ok"
    assert "interrupted" in faulty.values() and set(faulty.values()) <= {"ok", "interrupted"}
    assert set(statuses(run, "numpy").values()) == {"ok"}
    assert "INTERRUPTED" in stdout and "exit status 130" in stdout
    assert not list(out.glob("*.partial.jsonl"))
    with pytest.raises(ProcessLookupError):  # the hanging worker was killed, not left behind
        os.kill(run["environment"]["backends"]["faulty"]["pid"], 0)


def test_two_runs_sharing_an_out_folder_leave_whole_files(tmp_path, two_cases, numpy_python):
    out = tmp_path / "shared"
    cmd = [sys.executable, "-m", "harness", "run", "--backends", "numpy", "--cases", two_cases,
           "--out", str(out)]
    procs = [subprocess.Popen(cmd + ["--seed", str(i)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    for p in procs:
        p.communicate(timeout=300)
        assert p.returncode == 0
    run = read_run_file(out)
    junit = (out / "junit.xml").read_text()
    assert run["seeds"]["run"] in (0, 1) and junit.rstrip().endswith("</testsuites>")
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".harness")) == \
        sorted(["run.json", "junit.xml", "report.html"])


def test_a_worker_that_dies_before_hello_crashes_all_its_cases(harness, tmp_path, fault_env,
                                                               two_cases):
    result, run = run_fault(harness, tmp_path, fault_env, "", two_cases,
                            "--python", "faulty=/bin/false")
    cases = two_cases.split(",")
    assert result.returncode == 1
    assert set(statuses(run, "faulty").values()) == {"crashed"}
    assert len(statuses(run, "faulty")) == 2 * len(cases)
    assert "before it started" in result.stdout
    assert set(statuses(run, "numpy").values()) == {"ok"}
