"""Errors about where output goes are one clear line, never a traceback (issue 13 item 11).

Through the real commands: an --out that is a file, lies under a file or cannot be
written is exit 2 before any work (for doc: before any cell runs); a disk that fills
mid-run (simulated with RLIMIT_FSIZE, which makes writes past the limit fail with
EFBIG) is exit 1 saying what was saved, the partial file cut back to whole lines;
`envs --create` whose pip fails is one error line; a reader that goes away
(`| head`) neither kills a run nor its reports.
"""

import json
import os
import resource
import signal
import subprocess
import sys

import pytest
from faulty_backend import REPO

CHAPTER = REPO / "tests" / "doc" / "fixtures" / "drift.md"
CASES = "chain_rule_forward,backpropagation_by_hand"


def _first(command):
    return [str(CHAPTER)] if command == "doc" else []


@pytest.mark.parametrize("command", ["run", "bench", "doc"])
@pytest.mark.parametrize("where", ["file", "under-file"])
def test_an_out_that_is_a_file_or_under_one_is_refused_before_any_work(
        harness, tmp_path, command, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder\n")
    out = blocker if where == "file" else blocker / "results"
    result = harness(command, *_first(command), "--out", out, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"--out {out}: " in lines[0] and "a file, not a folder" in lines[0]
    assert blocker.read_text() == "not a folder\n"


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody may write in: permission bits, or for root a read-only tmpfs."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                           capture_output=True, text=True, check=False)
    if mount.returncode != 0:
        pytest.skip(f"root, and cannot mount a read-only tmpfs: {mount.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.mark.parametrize("command", ["run", "bench", "doc"])
def test_a_read_only_out_is_refused_before_any_work(harness, read_only_folder, command):
    for out in (read_only_folder, read_only_folder / "results"):
        result = harness(command, *_first(command), "--out", out, timeout=120)
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"--out {out}: cannot write there (" in result.stderr
        assert "Traceback" not in result.stderr


def _file_size_limit(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_disk_that_fills_mid_run_is_one_error_saying_what_was_saved(tmp_path, numpy_python):
    """3000 bytes hold a few results of the partial file, not all, and no run.json."""
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "harness", "run", "--backends", "numpy",
                             "--cases", CASES, "--out", str(out)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600,
                            preexec_fn=_file_size_limit(3000), check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"harness run: error: cannot write the reports in {out} (")
    (partial,) = out.glob("*.partial.jsonl")
    saved = int(last.split("; ")[1].split(" of ")[0])
    assert f"{saved} of 6 results are saved" in last and str(partial) in last
    text = partial.read_text()
    assert text.endswith("\n")  # cut back to whole lines, never half a record
    records = [json.loads(line) for line in text.splitlines()]
    assert 0 < len(records) == saved < 6
    assert "partial-file: cannot append to" in result.stderr
    assert not (out / "run.json").exists()


def test_envs_create_whose_pip_fails_is_one_clear_error(harness, tmp_path):
    """pip may look nowhere but an empty folder: it cannot find a single package."""
    (tmp_path / "no-wheels").mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), HARNESS_ENV_DIR=str(tmp_path / "envs"),
               PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1",
               PIP_FIND_LINKS=str(tmp_path / "no-wheels"))
    result = harness("envs", "--create", "numpy", env=env, timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "harness envs: error: numpy: " in result.stderr  # then pip's last lines


def _closed_pipe() -> int:
    """The write end of a pipe whose reader is already gone: every write is EPIPE."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_envs_json_into_a_closed_pipe_is_quiet(tmp_path):
    write = _closed_pipe()
    try:
        result = subprocess.run([sys.executable, "-m", "harness", "envs", "--json"], cwd=REPO,
                                stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
                                env=dict(os.environ, PYTHONPATH=str(REPO)), check=False)
    finally:
        os.close(write)
    assert result.returncode == 0  # the command did its work; its reader left early
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr


def test_a_run_whose_progress_reader_left_still_writes_its_reports(tmp_path, numpy_python):
    """`harness run 2>&1 | head`: head exits, every later write is EPIPE; the run goes on."""
    out = tmp_path / "out"
    write = _closed_pipe()
    try:
        result = subprocess.run([sys.executable, "-m", "harness", "run", "--backends", "numpy",
                                 "--cases", CASES, "--out", str(out)], cwd=REPO, stdout=write,
                                stderr=write, timeout=600, check=False,
                                env=dict(os.environ, PYTHONPATH=str(REPO)))
    finally:
        os.close(write)
    assert result.returncode == 0  # the run's own status: everything agreed
    run = json.loads((out / "run.json").read_text())
    assert len(run["results"]) == 6 and {r["status"] for r in run["results"]} == {"ok"}
    assert (out / "junit.xml").exists() and (out / "report.html").exists()
    assert not list(out.glob("*.partial.jsonl"))


def test_compare_onto_a_full_disk_is_one_error(harness, tmp_path, numpy_python):
    """Any command: an operating-system error while writing is one line, exit 1."""
    good = tmp_path / "good"
    assert harness("run", "--backends", "numpy", "--cases", "chain_rule_forward", "--dtypes",
                   "float64", "--out", good).returncode == 0
    out = tmp_path / "merged"
    result = subprocess.run([sys.executable, "-m", "harness", "compare", str(good), "--out",
                             str(out)], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
                            capture_output=True, text=True, timeout=600,
                            preexec_fn=_file_size_limit(2000), check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("harness compare: error: [Errno 27] File too large")
    assert not (out / "run.json").exists()
