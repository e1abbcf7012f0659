"""Signals at any moment of `harness run`: whole reports of what was done, exit 128 + signum.

Through the real command in a subprocess: SIGINT twice 50 ms apart during a hang, SIGINT
or SIGTERM while report.html's figures are drawn. Each leaves run.json, junit.xml and
report.html from this run (never the previous run's report.html), no partial file, no
temporary plotting folder, and results `compare` accepts.
"""

import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from faulty_backend import environment, install

A = "chain_rule_forward"
FIGURE_CASE = "quadratic_approximation"  # declares a surface figure: drawing takes seconds
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


@pytest.fixture(scope="module")
def faulty_dir(tmp_path_factory) -> Path:
    return install(tmp_path_factory.mktemp("faultpkg"))


def start(out: Path, env: dict, backends: str, cases: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "harness", "run", "--backends", backends, "--cases", cases,
           "--out", str(out), "--timeout", "300"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for(condition, proc, what: str, limit: float = 300.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            _out, err = proc.communicate()
            pytest.fail(f"never saw {what} (exit {proc.returncode}): {err[-2000:]}")
        time.sleep(0.02)


def partial_results(out: Path) -> set:
    return {(r["backend"], r["case"], r["dtype"]) for p in out.glob("*.partial.jsonl")
            for r in map(json.loads, filter(str.strip, p.read_text().splitlines()))}


def assert_whole_reports(out: Path, tmp: Path | None = None) -> dict:
    """The three reports parse and come from one run; nothing temporary is left."""
    run = json.loads((out / "run.json").read_text())
    ET.parse(out / "junit.xml")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.rstrip().endswith("</html>") and run["created"] in page
    left = [p.name for p in out.iterdir() if p.name.endswith((".tmp", ".partial.jsonl"))]
    assert not left, left
    if tmp is not None:
        assert not list(tmp.glob("harness-plots-*")), "the plotting folder was left behind"
    return run


def test_ctrl_c_twice_during_a_hang_writes_every_report(tmp_path, faulty_dir):
    out, pids = tmp_path / "out", tmp_path / "pids"
    pids.mkdir()
    proc = start(out, environment(faulty_dir, f"hang@{A}@float64", pids), "numpy,faulty", A)
    numpy_done = {("numpy", A, "float32"), ("numpy", A, "float64")}
    wait_for(lambda: any(pids.iterdir()) and numpy_done <= partial_results(out), proc,
             "the faulty worker hang")
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-3000:]
    run = assert_whole_reports(out)
    assert run["exit_status"] == 130 and run["signal"] == "SIGINT"
    statuses = {(r["backend"], r["dtype"]): r["status"] for r in run["results"] if r["case"] == A}
    assert statuses[("faulty", "float64")] == "interrupted"
    assert statuses[("numpy", "float64")] == "ok"
    merged = subprocess.run([sys.executable, "-m", "harness", "compare", str(out), "--out",
                             str(tmp_path / "merged")], env=environment(faulty_dir),
                            capture_output=True, text=True, timeout=300, check=False)
    assert merged.returncode != 2, merged.stderr  # what is left is a usable results file
    assert json.loads((tmp_path / "merged" / "run.json").read_text())["results"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_figures_are_drawn_leaves_this_runs_reports(tmp_path, faulty_dir,
                                                                      signum):
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    out.mkdir()
    tmp.mkdir()
    (out / "report.html").write_text("OLD REPORT of another run")
    # an empty cache: the figures are drawn now, not reused from an earlier test's run
    env = environment(faulty_dir) | {"TMPDIR": str(tmp),
                                     "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    proc = start(out, env, "numpy", FIGURE_CASE)
    wait_for(lambda: any(tmp.glob("harness-plots-*/figures.json")), proc, "the figures drawn")
    proc.send_signal(signum)
    _stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == EXIT[signum], stderr[-3000:]
    run = assert_whole_reports(out, tmp)
    assert run["exit_status"] == EXIT[signum] and run["signal"] == signum.name
    assert {r["status"] for r in run["results"]} == {"ok"}  # all computed: all kept
    assert any(p["kind"] == "report" and signum.name in p["detail"] for p in run["problems"])
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "OLD REPORT" not in page and "figures-unavailable" in page and "interrupted" in page
