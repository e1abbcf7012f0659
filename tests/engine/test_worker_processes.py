"""Nothing a worker started outlives it; a worker that said goodbye is not waited for.

Through the real `harness run` with the fault-injecting backend: a case that starts
`sleep 300`, a case that forks a child holding the protocol channel, a case that
leaves a non-daemon thread (the interpreter cannot exit), and an orchestrator killed
with SIGKILL while a worker and its child run.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faulty_backend import environment
from run_files import read_run_file
from test_faults import _alive

A = "chain_rule_forward"


def _children(pids: Path) -> list[int]:
    return [int(p.name.split("-")[1]) for p in pids.iterdir() if p.name.startswith("child-")]


def _reap(pids: list[int]) -> None:
    for pid in pids:   # processes this test caused; never left running, even on failure
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _run(tmp_path, faulty_dir, fault, timeout="600"):
    """harness run with one fault on faulty's float64 task; (result, run.json, child pids).

    --timeout 600 is far beyond the subprocess limit: a run that waited out the
    timeout after the worker said goodbye fails with TimeoutExpired."""
    out, pids = tmp_path / "out", tmp_path / "pids"
    pids.mkdir()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "harness", "run", "--backends", "numpy,faulty", "--cases", A,
             "--out", str(out), "--timeout", timeout],
            env=environment(faulty_dir, f"{fault}@{A}@float64", pids), capture_output=True,
            text=True, timeout=300, check=False)
        children = _children(pids)
        alive = [p for p in children if _alive(p)]
    finally:
        _reap(_children(pids))
    return result, read_run_file(out), children, alive


def _problems(run, kind) -> list[str]:
    return [p["detail"] for p in run["problems"] if p["kind"] == kind and p["backend"] == "faulty"]


@pytest.mark.parametrize("fault", ["spawn", "fork"])
def test_a_process_a_case_started_ends_with_its_worker(tmp_path, faulty_dir, fault):
    result, run, children, alive = _run(tmp_path, faulty_dir, fault)
    assert children, result.stderr[-2000:]
    assert not alive, f"left running after the run: {alive}"
    statuses = {(r["backend"], r["dtype"]): r["status"] for r in run["results"]}
    assert statuses[("faulty", "float64")] == statuses[("faulty", "float32")] == "ok"
    assert any("still running" in d for d in _problems(run, "leftover")), run["problems"]
    assert result.returncode == 1


def test_a_thread_a_case_left_running_does_not_hold_the_run(tmp_path, faulty_dir):
    """The worker ends once it said goodbye, whatever non-daemon thread a case left:
    the run does not wait out --timeout (600 s, beyond the subprocess limit)."""
    result, run, _, _ = _run(tmp_path, faulty_dir, "thread")
    assert result.returncode == 0, result.stdout[-3000:]
    assert all(r["status"] == "ok" for r in run["results"]) and not run["problems"]


def test_a_child_holding_the_channel_is_not_waited_for(tmp_path, faulty_dir):
    """A forked child keeps the channel open after the worker said goodbye: the
    worker's group is ended after a short grace, not --timeout, and it is reported."""
    result, run, _, alive = _run(tmp_path, faulty_dir, "fork")
    assert not alive
    assert result.returncode == 1     # the case misbehaved: a problem fails the run
    assert all(r["status"] == "ok" for r in run["results"]), run["results"]
    assert any("said goodbye but did not end" in d for d in _problems(run, "worker-exit")), \
        run["problems"]


def test_a_killed_orchestrator_takes_the_worker_and_its_child_along(tmp_path, faulty_dir):
    out, pids = tmp_path / "out", tmp_path / "pids"
    pids.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", "--backends", "numpy,faulty", "--cases", A,
         "--out", str(out), "--timeout", "300"],
        env=environment(faulty_dir, f"spawn@{A}@float64,hang@{A}@float64", pids),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _children(pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        (child,) = _children(pids)
        (worker,) = [int(p.name) for p in pids.iterdir() if p.name.isdigit()]
        proc.kill()
        proc.wait(timeout=30)
        gone_by = time.monotonic() + 20
        while time.monotonic() < gone_by and (_alive(worker) or _alive(child)):
            time.sleep(0.2)
        assert not _alive(worker) and not _alive(child), "outlived the orchestrator"
    finally:
        proc.kill()
        _reap([int(p.name.rsplit("-", 1)[-1]) for p in pids.iterdir()])


B = "backpropagation_by_hand"


def test_a_doc_case_worker_that_hangs_keeps_the_results_before(faulty_dir, monkeypatch):
    """doc's case link streams results: a hang in the last task costs that task only."""
    from harness.doc import caselink

    for name, value in environment(faulty_dir, f"hang@{B}@float64").items():
        monkeypatch.setenv(name, value)
    tasks = [(A, "float32"), (A, "float64"), (B, "float32"), (B, "float64")]
    got = caselink.run_worker("faulty", tasks, timeout=45)
    assert {k: r["status"] for k, r in got["results"].items()} == {
        (A, "float32"): "ok", (A, "float64"): "ok", (B, "float32"): "ok"}
    assert "no result within 45 s" in got["error"] and "1 not computed" in got["error"]
    assert set(got["meta"]) == {A, B}


def test_an_undeclared_derivative_op_is_a_case_definition_error(tmp_path, faulty_dir):
    """critical_points without "random_d2f": "hessian" in its ops: that task is an error
    saying what to add; the same case on the other dtype and backends is untouched."""
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--backends", "numpy,faulty", "--cases",
         "critical_points", "--out", str(out)],
        env=environment(faulty_dir, "undeclared-op@critical_points@float64"),
        capture_output=True, text=True, timeout=600, check=False)
    run = read_run_file(out)
    by = {(r["backend"], r["dtype"]): r for r in run["results"]}
    bad = by[("faulty", "float64")]
    assert bad["status"] == "error" and bad["error"]["type"] == "CaseDefinitionError"
    assert "add 'random_d2f': 'hessian'" in bad["error"]["message"]
    assert by[("faulty", "float32")]["status"] == by[("numpy", "float64")]["status"] == "ok"
    assert result.returncode == 1
