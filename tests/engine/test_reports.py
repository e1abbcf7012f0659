"""The report files of a real run: junit.xml's totals and messages, report.html's values,
characters XML forbids, a report that cannot be written, and the registry of formats.

Every expected number is derived from the run's own run.json (its verdict rows), never
typed in; the faulty backend (tests/engine/faulty_backend) injects a finite
disagreement (`off`), NaN, and an error message holding ANSI codes, NUL and a lone
surrogate (`hostile`).
"""

import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from faulty_backend import environment, install

A, B, C = "chain_rule_forward", "backpropagation_by_hand", "saddle_critical_point"
FAULTS = f"off@{A},nan@{B}@float64,hostile@{C}@float64"
ERRORS = {"error", "crashed", "timeout", "interrupted"}


def harness(*args, env, timeout=600):
    return subprocess.run([sys.executable, "-m", "harness", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def faulty_dir(tmp_path_factory) -> Path:
    return install(tmp_path_factory.mktemp("faultpkg"))


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory, faulty_dir):
    """(out folder, run.json, CompletedProcess) of a run with the three faults."""
    out = tmp_path_factory.mktemp("reports") / "out"
    result = harness("run", "--backends", "numpy,faulty", "--cases", f"{A},{B},{C}",
                     "--out", out, env=environment(faulty_dir, FAULTS))
    assert (out / "run.json").exists(), result.stderr[-3000:]
    return out, json.loads((out / "run.json").read_text()), result


def cells(run) -> dict:
    """(backend, case, dtype) -> the set of verdicts of the case's outputs there."""
    found = defaultdict(set)
    for v in run["verdicts"]:
        found[(v["backend"], v["case"], v["dtype"])].add(v["verdict"])
    return found


def expected_counts(run) -> dict:
    """backend -> Counter of tests, failures, errors, skipped, from run.json's verdicts."""
    per = defaultdict(Counter)
    for (backend, _, _), verdicts in cells(run).items():
        per[backend]["tests"] += 1
        if verdicts & ERRORS:
            per[backend]["errors"] += 1
        elif "disagree" in verdicts:
            per[backend]["failures"] += 1
        elif "unsupported" in verdicts:
            per[backend]["skipped"] += 1
    return per


def test_junit_totals_timestamp_and_hostname_match_the_run(faulty_run):
    out, run, _ = faulty_run
    root = ET.parse(out / "junit.xml").getroot()
    expected = expected_counts(run)
    assert expected["faulty"]["failures"] > 0 and expected["faulty"]["errors"] > 0
    keys = ("tests", "failures", "errors", "skipped")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == set(expected)
    for name, suite in suites.items():
        assert {k: int(suite.get(k)) for k in keys} == {k: expected[name][k] for k in keys}
        assert len(suite.findall("testcase")) == expected[name]["tests"]
        assert suite.get("timestamp") == run["created"][:19]
        assert suite.get("hostname") == run["environment"]["hostname"]
    totals = sum(expected.values(), Counter())
    assert {k: int(root.get(k)) for k in keys} == {k: totals[k] for k in keys}
    assert root.get("timestamp") == run["created"][:19]


def test_a_disagreement_message_says_once_what_differed(faulty_run):
    out, run, _ = faulty_run
    (v,) = [v for v in run["verdicts"] if (v["backend"], v["case"], v["dtype"], v["verdict"])
            == ("faulty", A, "float64", "disagree")]
    (tc,) = [tc for tc in ET.parse(out / "junit.xml").getroot().iter("testcase")
             if (tc.get("classname"), tc.get("name")) == ("faulty.float64", A)]
    message = tc.find("failure").get("message")
    index = "(" + ", ".join(map(str, v["worst_index"])) + ("," * (len(v["worst_index"]) == 1))
    for said in (repr(v["actual"]), repr(v["expected"]), f"rtol={v['tolerance']['rtol']:g}",
                 "max abs err"):
        assert message.count(said) == 1, (said, message)
    if v["worst_index"]:
        assert message.count(f"at index {index})") == 1, message
    assert v["actual"] != v["expected"]


def test_hostile_characters_in_a_message_keep_junit_xml_valid(faulty_run):
    out, run, result = faulty_run
    raw = (out / "junit.xml").read_bytes()
    ET.fromstring(raw)  # parses: no NUL, no escape character, valid UTF-8
    assert b"\x1b" not in raw and b"\x00" not in raw
    (r,) = [r for r in run["results"] if (r["backend"], r["case"], r["dtype"])
            == ("faulty", C, "float64")]
    assert "\ud800" in r["error"]["message"] and "\x00" in r["error"]["message"]  # kept in run.json
    text = raw.decode("utf-8")
    assert "surrogate:\\ud800" in text and "NUL:\\x00" in text  # written out, not lost
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "\x1b" not in page and "\x00" not in page and "NUL:\\x00" in page
    assert result.returncode == 1


class Page(HTMLParser):
    """Text of each matrix cell by (case, backend, dtype), tables and their wrappers."""

    def __init__(self):
        super().__init__()
        self.cells, self.open, self.stack, self.unwrapped = {}, None, [], 0
        self.viewport = False
        self.external = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and "data-verdict" in a:
            self.open = (a["data-case"], a["data-backend"], a["data-dtype"])
            self.cells[self.open] = ""
        if tag == "table" and not (self.stack and self.stack[-1] == "scroll"):
            self.unwrapped += 1
        if tag == "meta" and a.get("name") == "viewport":
            self.viewport = "width=device-width" in a.get("content", "")
        for key in ("src", "href"):
            if a.get(key) and not a[key].startswith(("data:", "#")):
                self.external.append(a[key])
        if tag in ("div", "table"):
            self.stack.append(a.get("class") if tag == "div" else "table")

    def handle_endtag(self, tag):
        if tag == "td":
            self.open = None
        if tag in ("div", "table") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.open:
            self.cells[self.open] += data


def shown(v: dict) -> str:
    """How a verdict's values or reason read: values in full ("nan" stays a word)."""
    if v["verdict"] == "disagree" and v["actual"] is not None:
        text = [x if isinstance(x, str) else repr(x) for x in (v["actual"], v["expected"])]
        return f"{v['output']}: {text[0]} vs expected {text[1]}"
    return f"{v['output']}: {v['detail'][:40]}".replace("\x00", "\\x00")


def test_every_cell_that_is_not_agree_shows_values_or_reason(faulty_run):
    out, run, _ = faulty_run
    html = (out / "report.html").read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    bad = defaultdict(list)
    for v in run["verdicts"]:
        if v["verdict"] != "agree":
            bad[(v["case"], v["backend"], v["dtype"])].append(v)
    assert {v["verdict"] for vs in bad.values() for v in vs} >= {"disagree", "error"}
    for key, verdicts in bad.items():
        said = {shown(v) for v in verdicts}
        found = {s for s in said if s in page.cells[key]}
        assert len(found) == min(3, len(said)), (said, page.cells[key])
        if len(said) > 3:
            assert f"+{len(said) - 3} more" in page.cells[key]
    for v in (v for vs in bad.values() for v in vs if v["actual"] is not None):
        index = "(" + ", ".join(map(str, v["worst_index"])) + "," * (len(v["worst_index"]) == 1)
        actual, expected = shown(v).split(": ", 1)[1].split(" vs expected ")
        row = f'<td>{index})</td><td class="num">{actual}</td><td class="num">{expected}</td>'
        assert row in html, row


def test_tables_scroll_in_their_box_and_the_page_is_self_contained(faulty_run):
    out, _, _ = faulty_run
    html = (out / "report.html").read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    assert page.viewport and page.unwrapped == 0 and not page.external
    assert ".scroll{max-width:100%;overflow-x:auto" in html


def test_a_report_that_cannot_be_written_is_a_problem_in_run_json(tmp_path, faulty_dir):
    out = tmp_path / "out"
    (out / "report.html").mkdir(parents=True)  # nothing can be renamed over a folder
    result = harness("run", "--backends", "numpy", "--cases", A, "--out", out,
                     env=environment(faulty_dir))
    run = json.loads((out / "run.json").read_text())
    assert {v["verdict"] for v in run["verdicts"]} == {"agree"}
    (problem,) = run["problems"]
    assert problem["kind"] == "report" and "report.html" in problem["detail"]
    assert result.returncode == run["exit_status"] == 1
    ET.parse(out / "junit.xml")
    assert not [p for p in out.iterdir() if p.name.endswith((".tmp", ".partial.jsonl"))]


def test_a_new_format_is_one_module(tmp_path, monkeypatch):
    """A module defining REPORT is offered by --format and its file written by every run."""
    from harness import reports
    from harness.cli import build_parser
    from harness.run.results import write_reports

    (tmp_path / "lines.py").write_text(textwrap.dedent('''
        from harness.reports import Report

        def render(run, view, context):
            return "\\n".join(f"{c} {b} {d} {v}" for c, b, d, v in view.filled()) + "\\n"

        REPORT = Report("lines", render, file="lines.txt")
    '''))
    monkeypatch.setattr(reports, "__path__", [*reports.__path__, str(tmp_path)])
    assert "lines" in reports.choices()
    assert build_parser().parse_args(["compare", "x", "--format", "lines"]).format == "lines"
    run = {"format": "harness-run/1", "created": "2026-01-01T00:00:00+0000", "cases": [],
           "results": [], "verdicts": [{"case": "c", "backend": "b", "dtype": "float64",
                                        "output": "f", "verdict": "agree"}],
           "findings": [], "problems": [], "summary": {}, "exit_status": 0}
    written = write_reports(run, tmp_path / "out")
    assert set(written) == {"run.json", "junit.xml", "report.html", "lines.txt"}
    assert (tmp_path / "out" / "lines.txt").read_text() == "c b float64 agree\n"


def test_a_report_that_fails_to_render_is_recorded_and_leaves_no_stale_copy(tmp_path,
                                                                            monkeypatch):
    """A format whose render raises: a "report" problem in run.json (exit 1), and the
    previous run's copy of its file is removed rather than left beside the new run.json."""
    from harness import reports
    from harness.run.results import write_reports

    (tmp_path / "broken.py").write_text(textwrap.dedent('''
        from harness.reports import Report

        def render(run, view, context):
            raise RuntimeError("this format cannot render")

        REPORT = Report("broken", render, file="broken.txt")
    '''))
    monkeypatch.setattr(reports, "__path__", [*reports.__path__, str(tmp_path)])
    out = tmp_path / "out"
    out.mkdir()
    (out / "broken.txt").write_text("stale, from the previous run")
    result = {"case": "c", "backend": "b", "dtype": "float64", "status": "ok", "outputs": {}}
    run = {"format": "harness-run/1", "created": "2026-01-01T00:00:00+0000", "cases": [],
           "results": [result], "verdicts": [{"case": "c", "backend": "b", "dtype": "float64",
                                        "output": "f", "verdict": "agree"}],
           "findings": [], "problems": [], "summary": {"agree": 1}, "exit_status": 0}
    written = write_reports(run, out)
    assert "broken.txt" not in written and not (out / "broken.txt").exists()
    saved = json.loads((out / "run.json").read_text())
    (problem,) = saved["problems"]
    assert problem["kind"] == "report" and "this format cannot render" in problem["detail"]
    assert saved["exit_status"] == 1
    assert "this format cannot render" in (out / "report.html").read_text()  # problems listed
