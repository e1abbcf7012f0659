"""`python -m harness doc BOOK/` on a tiny book of our own (tests/doc/fixtures/book).

Its config.ini lists pytorch, mxnet, tensorflow (pytorch first: untagged cells are
pytorch's). chapter_drift's tensorflow tab writes a slope with the wrong sign,
chapter_hang's tensorflow tab sleeps for an hour, chapter_raise's mxnet tab raises;
drafts/ is excluded and README.md has no code cell. Expected values come from the
markdown itself (the slope is (9 - 3) / (4 - 1) = 2, its negation -2).
"""

import json
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from doc_helpers import FIXTURES

from harness import REPO_ROOT

BOOK = FIXTURES / "book"
CHAPTERS = ["chapter_drift/drift.md", "chapter_hang/hang.md", "chapter_raise/raise.md"]
TABS = ["mxnet", "pytorch", "tensorflow"]
TIMEOUT = "10"


def harness(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "harness", *map(str, args)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


def run_book(out, *args, book=BOOK):
    proc = harness("doc", book, "--exclude", "drafts/*", "--no-cases", "--cell-timeout",
                   TIMEOUT, "--out", out, *args)
    data = json.loads((Path(out) / "book.json").read_text()) if (Path(out) / "book.json").exists() \
        else None
    return proc, data


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    out = tmp_path_factory.mktemp("book") / "whole"
    proc, data = run_book(out, "--jobs", "2")
    return out, proc, data


def rows(book):
    return {r["path"]: r for r in book["chapters"]}


def test_the_book_s_chapters_and_tabs_come_from_its_folder_and_config(whole):
    _out, proc, book = whole
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert [r["path"] for r in book["chapters"]] == CHAPTERS     # no README, no drafts/
    for row in book["chapters"]:
        assert sorted(row["tabs"]) == TABS                         # config tabs: no jax
        assert row["default_tab"] == "pytorch" and row["config"].endswith("config.ini")
    assert book["format"] == "harness-book/1" and book["exit_status"] == 1


def test_the_drift_names_the_odd_tab_everywhere(whole):
    out, proc, book = whole
    drift = rows(book)["chapter_drift/drift.md"]
    (group,) = [g for g in drift["groups"] if g["status"] == "fail"]
    assert group["section"] == "A slope"
    assert {f["kind"] for f in group["findings"]} == {"drift"}
    assert all(f["odd_tabs"] == ["tensorflow"] for f in group["findings"])
    assert drift["tabs"]["tensorflow"]["counts"]["drift"] >= 1
    assert drift["tabs"]["pytorch"]["counts"]["drift"] == 0
    doc = json.loads((out / drift["report"]).with_name("doc.json").read_text())
    values = {f["what"] for f in doc["findings"] if f["kind"] == "drift"}
    assert "variable slope" in values
    assert "drift in tensorflow" in proc.stdout


def test_the_hanging_chapter_is_a_timeout_and_the_others_are_complete(whole):
    _out, _proc, book = whole
    r = rows(book)
    hang = r["chapter_hang/hang.md"]
    assert hang["status"] == "timeout"
    assert hang["tabs"]["tensorflow"]["status"] == "timeout"
    assert hang["tabs"]["pytorch"]["status"] == "ok" and hang["tabs"]["pytorch"]["cells"] == 3
    for path, cells in (("chapter_drift/drift.md", 2), ("chapter_raise/raise.md", 3)):
        assert all(t["status"] == "ok" and t["cells"] == cells for t in r[path]["tabs"].values())
    raised = r["chapter_raise/raise.md"]
    assert raised["status"] == "findings" and raised["tabs"]["mxnet"]["counts"]["error"] == 1


def _index_counts(html):
    """{(chapter, tab): {kind: n}} read back from index.html's table."""
    out = {}
    for row in re.findall(r"<tr><td>(.*?)</tr>", html):
        chapter = re.search(r">([^<>]+\.md)<", row).group(1)
        cells = re.findall(r"<td class='[^']*'>(.*?)</td>", row)
        for tab, cell in zip(TABS, cells):
            found = {k.replace("&nbsp;", "_"): int(n)
                         for n, k in re.findall(r"(\d+)&nbsp;([a-z&;]+?)(?= · |</a>)", cell)}
            out[(chapter, tab)] = found
    return out


def test_index_book_json_and_junit_agree(whole):
    out, _proc, book = whole
    index = _index_counts((out / "index.html").read_text())
    suites = ET.parse(out / "junit.xml").getroot()
    for row in book["chapters"]:
        for tab, info in row["tabs"].items():
            expect = {k: info["counts"][k] for k in ("drift", "error", "warning", "not_compared")}
            assert index[(row["path"], tab)] == expect, (row["path"], tab)
        (suite,) = [s for s in suites if s.get("name") == row["path"]]
        cases = suite.findall("testcase")
        assert len(cases) == len(row["groups"])                  # one per cell group
        failed = [c for c in cases if c.find("failure") is not None]
        assert len(failed) == sum(g["status"] == "fail" for g in row["groups"])
        for case, group in zip(cases, row["groups"]):
            failure = case.find("failure")
            if failure is not None:
                odd = {t for f in group["findings"] for t in f["odd_tabs"]}
                assert any(t in failure.get("message") for t in odd)
    assert (out / "chapters/chapter_drift/drift/doc.html").is_file()
    assert "chapters/chapter_drift/drift/doc.html" in (out / "index.html").read_text()


def test_a_second_run_reuses_every_finished_tab(whole, tmp_path):
    out, _, first = whole
    proc, again = run_book(out)
    assert proc.returncode == 1
    for row in again["chapters"]:
        for tab, info in row["tabs"].items():
            timed_out = info["status"] == "timeout"
            assert info["cached"] is not timed_out, (row["path"], tab)
    assert "(cached)" in proc.stderr
    strip = _comparable
    assert strip(again) == strip(first)


def test_an_edited_tab_runs_again_and_the_others_are_reused(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    chapter = book / "chapter_drift" / "drift.md"
    proc, first = run_book(tmp_path / "out", book=book / "chapter_drift")
    assert not any(t["cached"] for t in first["chapters"][0]["tabs"].values())
    chapter.write_text(chapter.read_text().replace("(3.0 - 9.0)", "(9.0 - 3.0)"))
    proc, second = run_book(tmp_path / "out", book=book / "chapter_drift")
    tabs = second["chapters"][0]["tabs"]
    assert {t: info["cached"] for t, info in tabs.items()} == {
        "mxnet": True, "pytorch": True, "tensorflow": False}
    assert proc.returncode == 0 and second["chapters"][0]["status"] == "ok"
    proc, third = run_book(tmp_path / "out", "--no-cache", book=book / "chapter_drift")
    assert not any(t["cached"] for t in third["chapters"][0]["tabs"].values())


def _comparable(book):
    chapters = json.loads(json.dumps(book["chapters"]))
    for row in chapters:
        row["seconds"] = None
        for info in row["tabs"].values():
            info["seconds"] = info["cached"] = None
    return chapters, book["totals"], book["exit_status"]


def test_two_shards_merged_equal_the_whole(whole, tmp_path):
    out, _, book = whole
    parts = []
    for k in (1, 2):
        _proc, part = run_book(tmp_path / f"shard{k}", "--shard", f"{k}/2", "--cache-dir",
                              out / "cache")
        parts.append([r["path"] for r in part["chapters"]])
    assert sorted(parts[0] + parts[1]) == CHAPTERS and not set(parts[0]) & set(parts[1])
    merged = harness("doc-merge", tmp_path / "shard1", tmp_path / "shard2", "--out",
                     tmp_path / "merged", "--markdown", tmp_path / "summary.md")
    assert merged.returncode == 1, merged.stderr
    table = [ln for ln in (tmp_path / "summary.md").read_text().splitlines() if ".md |" in ln]
    assert [ln.split(" | ")[0].strip("| ") for ln in table] == CHAPTERS
    joined = json.loads((tmp_path / "merged" / "book.json").read_text())
    assert _comparable(joined) == _comparable(book)
    for row in joined["chapters"]:
        assert (tmp_path / "merged" / row["report"]).is_file()
    again = harness("doc-merge", tmp_path / "shard1", tmp_path / "shard1", "--out", tmp_path / "x")
    assert again.returncode == 2 and "two of the folders" in again.stderr


def test_bad_shards_and_paths_are_usage_errors(tmp_path):
    for args, message in ((["--shard", "3/2"], "--shard"), (["--shard", "x"], "--shard"),
                          (["--jobs", "0"], "--jobs")):
        proc, _ = run_book(tmp_path / "out", *args)
        assert proc.returncode == 2 and message in proc.stderr
    proc = harness("doc", tmp_path / "nowhere")
    assert proc.returncode == 2 and "no such chapter file or folder" in proc.stderr
    proc = harness("doc-merge", tmp_path)
    assert proc.returncode == 2 and "no book.json" in proc.stderr


def test_ctrl_c_mid_book_keeps_the_finished_chapters(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "doc", BOOK, "--exclude", "drafts/*", "--no-cases",
         "--jobs", "1", "--cell-timeout", "600", "--out", out], cwd=REPO_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:          # chapters run in order; interrupt during the hang
        seen.append(line)
        if "start chapter_hang/hang.md" in line:
            break
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, "".join(seen) + stderr
    book = json.loads((out / "book.json").read_text())
    status = {r["path"]: r["status"] for r in book["chapters"]}
    assert status == {"chapter_drift/drift.md": "findings", "chapter_hang/hang.md": "interrupted",
                      "chapter_raise/raise.md": "interrupted"}
    assert book["interrupted"] and book["exit_status"] == 130
    assert (out / "chapters/chapter_drift/drift/doc.json").is_file()
    assert "interrupted" in (out / "index.html").read_text()


def test_a_chapter_that_cannot_be_read_is_reported_and_the_others_complete(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    (book / "broken.md").write_bytes(b"```{.python .input}\n\xff\xfe not text\n```\n")
    proc, data = run_book(tmp_path / "out", "--exclude", "chapter_hang/*", book=book)
    assert proc.returncode == 1
    status = {r["path"]: r["status"] for r in data["chapters"]}
    assert status == {"broken.md": "error", "chapter_drift/drift.md": "findings",
                      "chapter_raise/raise.md": "findings"}
    assert "not markdown" in rows(data)["broken.md"]["message"]
    junit = (tmp_path / "out" / "junit.xml").read_text()
    assert 'name="broken.md"' in junit and "<error" in junit


def _descendants(pid: int) -> set:
    """The process ids below `pid` (from /proc; Linux)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_killed_book_run_leaves_no_chapter_or_kernel_running(tmp_path):
    """SIGKILL to `harness doc BOOK` mid-chapter: the chapter's process and its kernels
    (one of them sleeping for an hour) exit with it instead of running on."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "doc", BOOK / "chapter_hang", "--no-cases",
         "--cell-timeout", "600", "--out", tmp_path / "out"], cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if "start chapter_hang" in line or "start hang.md" in line:
            break
    below = set()
    for _ in range(240):              # the chapter process, and tensorflow's kernel asleep
        below = _descendants(proc.pid)
        if any("harness.doc.worker.kernel" in _cmdline(p) for p in below):
            break
        time.sleep(0.5)
    kinds = sorted(_cmdline(p).split(" -m ")[-1] for p in below)
    proc.kill()
    proc.wait()
    for _ in range(120):
        if not any(map(_alive, below)):
            break
        time.sleep(0.5)
    assert any("--chapter-job" in k for k in kinds), kinds
    assert any(k.startswith("harness.doc.worker.kernel") for k in kinds), kinds
    assert not [p for p in below if _alive(p)]
