"""run.json in process: read back, merged, finished. Fast, no worker: the mutation suite's core.

The same behaviour is checked through `harness compare` in test_compare_reports.py;
here each rule of load_run, merge and finish is pinned down directly.
"""

import json

import pytest
from synthetic import RUN_FORMAT, reference, result, write_run

from harness.run.results import EXIT_INTERRUPTED, ResultsFileError, finish, load_run, merge
from harness.run.schema import FORMAT

G = [1.0, 2.0]


def loaded(path, results, **extra):
    path = write_run(path, results)
    if extra:
        doc = json.loads(path.read_text())
        doc.update(extra)
        path.write_text(json.dumps(doc))
    return load_run(path)


def test_load_run_reads_a_file_or_its_folder_and_remembers_where(tmp_path):
    path = write_run(tmp_path / "a" / "run.json", [reference("c", {"g": G})])
    for where in (path, path.parent):
        run = load_run(where)
        assert run["_path"] == str(path) and run["format"] == FORMAT   # read, then upgraded
        assert [r["backend"] for r in run["results"]] == ["reference"]


@pytest.mark.parametrize("doc, words", [
    ({"format": RUN_FORMAT, "results": "x"}, '"results" is missing or malformed'),
    ({"format": RUN_FORMAT, "results": [{"case": "c"}]}, '"results" is missing or malformed'),
    ({"format": RUN_FORMAT, "results": [{"case": "c", "backend": "reference",
                                         "dtype": "float64", "status": "melted"}]},
     "unknown result status melted"),
    ({"format": RUN_FORMAT, "results": [result("c", "b", {"g": G})]}, "no reference results"),
    ({"format": "harness-run/0", "results": []}, "format 'harness-run/0', this harness reads"),
    ([1, 2], "not a harness results file"),
    ({"results": []}, 'not a harness results file \\(no "format" key\\)'),
    ({"format": RUN_FORMAT, "results": [{"case": "c", "backend": "reference",
                                         "dtype": "float64", "status": s}
                                        for s in ("melted", "ok", "boiled")]},
     "unknown result status boiled, melted$"),
    ({"format": RUN_FORMAT, "results": [reference("c", {"g": G})], "seconds": float("nan")},
     r"not strict JSON \(NaN is not a JSON value\)"),
    ({"format": RUN_FORMAT, "results": [reference("c", {"g": G})],
      "problems": [{"kind": "junk"}]}, r"problems\[0\]\.detail: missing"),
])
def test_load_run_refuses_what_it_cannot_use_and_names_the_file(tmp_path, doc, words):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ResultsFileError, match=words) as caught:
        load_run(path)
    assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize("text, words", [
    ("", "empty file"), ("   \n", "empty file"),
    ('{"format": "harness-run/1", "results": [', "truncated JSON"),
    ('{"format": "harness-run/1", "res', "truncated JSON"),
    ('{"format": 1}\n{"more": 2}\n', "not JSON (Extra data at line 2, column 1)"),
    ("<html>", "not JSON (Expecting value at line 1, column 1)"),
])
def test_load_run_says_why_text_is_not_a_results_file(tmp_path, text, words):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ResultsFileError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_run(path)


CUT = "; the file is incomplete"


@pytest.mark.parametrize("text, why", [
    # truncated: the text ends where more was due ...
    ('{"a": {"b": 1}', "truncated JSON (Expecting ',' delimiter at line 1)" + CUT),
    ('{"a": "x}', "truncated JSON (Unterminated string starting at at line 1)" + CUT),
    ('{\n"a": 1,\n"b": tru', "truncated JSON (Expecting value at line 3)" + CUT),
    ('{\n"a": tru\n', "truncated JSON (Expecting value at line 2)" + CUT),
    # ... not when the error is before the last line, or after a complete value
    ('{\n"a": tru,\n"b": 1', "not JSON (Expecting value at line 2, column 6)"),
    ('{"a": 1}}', "not JSON (Extra data at line 1, column 9)"),
    ('{"a": 1} x', "not JSON (Extra data at line 1, column 10)"),
    ('{"a": 1,}', ("not JSON (Expecting property name enclosed in double quotes at line 1, "
                   "column 9)")),
    ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "not a harness results file (nested too deeply)"),
])
def test_load_run_tells_a_truncated_file_from_one_that_is_not_json(tmp_path, text, why):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ResultsFileError) as caught:
        load_run(path)
    assert str(caught.value) == f"{path}: {why}"


def test_load_run_names_the_formats_it_reads(tmp_path):
    from harness.run.schema import READS

    path = tmp_path / "new.json"
    path.write_text(json.dumps({"format": "harness-run/9", "results": []}))
    with pytest.raises(ResultsFileError) as caught:
        load_run(path)
    assert str(caught.value) == (f"{path}: format 'harness-run/9', this harness reads "
                                 + " and ".join(f"'{f}'" for f in READS))


def test_load_run_names_a_missing_or_unreadable_file(tmp_path):
    with pytest.raises(ResultsFileError, match="no such file"):
        load_run(tmp_path / "nowhere.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ResultsFileError, match="cannot read"):
        load_run(tmp_path / "bin.json")


def test_merge_keeps_the_first_copy_and_reports_a_differing_one(tmp_path):
    a = loaded(tmp_path / "a.json", [reference("c", {"g": G}), result("c", "x", {"g": G})])
    b = loaded(tmp_path / "b.json", [reference("c", {"g": G}),
                                     result("c", "x", {"g": [9.0, 9.0]}),
                                     result("c", "y", {"g": G})])
    merged = merge([a, b])
    assert merged["format"] == FORMAT and merged["merged_from"] == [a["_path"], b["_path"]]
    keys = [(r["case"], r["backend"]) for r in merged["results"]]
    assert keys == [("c", "reference"), ("c", "x"), ("c", "y")]
    assert merged["results"][1] is a["results"][1]
    assert merged["problems"] == [{
        "kind": "conflict", "backend": "x", "case": "c", "dtype": "float64",
        "detail": f"{b['_path']} and {a['_path']} hold different results for this "
                  f"(kept the one from {a['_path']})"}]


def test_merge_status_differences_conflict_too_and_identical_copies_do_not(tmp_path):
    ok = loaded(tmp_path / "ok.json", [reference("c", {"g": G}), result("c", "x", {"g": G})])
    same = loaded(tmp_path / "same.json", [reference("c", {"g": G}),
                                           result("c", "x", {"g": G})])
    failed = loaded(tmp_path / "failed.json", [reference("c", {"g": G}),
                                               result("c", "x", status="error", message="m")])
    assert merge([ok, same])["problems"] == []
    assert [p["kind"] for p in merge([ok, failed])["problems"]] == ["conflict"]


def test_merge_carries_cases_environment_timings_seeds_and_problems(tmp_path):
    a = loaded(tmp_path / "a.json", [reference("c", {"g": G})],
               environment={"python": "3.11", "platform": None,
                            "backends": {"x": {"version": "1"}}},
               timings={"backends": {"x": {"wall_seconds": 1}},
                        "cases": {"c": {"x": {"float64": 0.5}}}},
               seeds={"run": 3}, problems=[{"kind": "junk", "detail": "noise"}])
    b = loaded(tmp_path / "b.json", [reference("c", {"g": G}), reference("d", {"g": G})],
               environment={"python": "3.12", "platform": "linux",
                            "backends": {"x": {"version": "2"}, "y": {"version": "3"}}},
               timings={"backends": {"x": {"wall_seconds": 9}},
                        "cases": {"c": {"x": {"float64": 9.0}, "y": {"float64": 1.0}}}})
    merged = merge([a, b])
    env = merged["environment"]
    assert (env["python"], env["platform"]) == ("3.11", "linux")
    assert env["backends"] == {"x": {"version": "1"}, "y": {"version": "3"}}
    assert merged["timings"]["backends"] == {"x": {"wall_seconds": 1}}
    assert merged["timings"]["cases"] == {"c": {"x": {"float64": 0.5}, "y": {"float64": 1.0}}}
    assert [c["id"] for c in merged["cases"]] == ["c", "d"]
    assert merged["seeds"]["runs"] == [{"file": a["_path"], "run": 3}, {"file": b["_path"]}]
    assert merged["problems"] == [{"kind": "junk", "detail": f"noise (from {a['_path']})"}]


def test_merge_starts_a_new_run_with_nothing_of_its_own(tmp_path):
    from datetime import datetime

    a = loaded(tmp_path / "a.json", [reference("c", {"g": G})])
    merged = merge([a, a])
    assert (merged["argv"], merged["options"]) == (None, {})
    assert merged["timings"]["total_seconds"] is None
    created = datetime.strptime(merged["created"], "%Y-%m-%dT%H:%M:%S%z")
    assert abs(created.timestamp() - datetime.now().timestamp()) < 24 * 3600  # not copied
    assert set(merged) == {"format", "created", "argv", "options", "merged_from", "seeds",
                           "cases", "environment", "timings", "results", "problems"}


def test_merge_replaces_an_interrupted_copy_by_a_complete_one_in_its_place(tmp_path):
    a = loaded(tmp_path / "a.json", [reference("c", {"g": G}),
                                     result("c", "x", status="interrupted"),
                                     result("c", "y", {"g": G}),
                                     result("c", "w", status="interrupted")])
    b = loaded(tmp_path / "b.json", [reference("c", {"g": G}),
                                     result("c", "x", {"g": G}),
                                     result("c", "y", status="interrupted"),
                                     result("c", "w", status="interrupted"),
                                     result("c", "z", {"g": G})])
    c = loaded(tmp_path / "c.json", [reference("c", {"g": G}), result("c", "x", {"g": [3.0, 3.0]})])
    merged = merge([a, b, c])
    assert merged["results"] == [a["results"][0], b["results"][1], a["results"][2],
                                 a["results"][3], b["results"][4]]
    assert merged["results"][3] is a["results"][3]      # of two interrupted, the first
    # the complete copy now stands for x: a third copy that differs conflicts with it
    assert [(p["backend"], p["detail"]) for p in merged["problems"]] == [
        ("x", (f"{c['_path']} and {b['_path']} hold different results for this "
               f"(kept the one from {b['_path']})"))]


def run_of(results, **extra):
    return finish({"results": results, "cases": [], **extra})


def test_finish_fills_the_verdicts_and_the_summary():
    run = run_of([reference("c", {"g": G}), result("c", "x", {"g": G}),
                  result("c", "y", status="unsupported", message="no")])
    assert run["summary"]["agree"] == 2 and run["summary"]["unsupported"] == 1
    assert run["summary"]["disagree"] == 0 and run["exit_status"] == 0
    assert {"verdicts", "pairwise", "findings", "summary"} <= set(run)


@pytest.mark.parametrize("extra, status", [
    ({}, 0),
    ({"problems": [{"kind": "junk"}]}, 1),
    ({"problems": []}, 0),
])
def test_finish_exit_status_counts_problems(extra, status):
    assert run_of([reference("c", {"g": G}), result("c", "x", {"g": G})], **extra)[
        "exit_status"] == status


def test_finish_orders_verdicts_by_the_runs_cases_and_needs_no_case_list():
    results = [reference("a", {"g": G}), reference("b", {"g": G}),
               result("a", "x", {"g": G}), result("b", "x", {"g": G})]
    run = finish({"results": results, "cases": [{"id": "b"}, {"id": "a"}]})
    assert [v["case"] for v in run["verdicts"]] == ["b", "b", "a", "a"]
    run = finish({"results": results})
    assert [v["case"] for v in run["verdicts"]] == ["a", "a", "b", "b"]


KINK = {"id": "kink", "kind": "convention",
        "rules": {"g": {"kind": "interval", "low": [-1.0], "high": [1.0], "why": "a kink"}}}


def test_finish_judges_a_convention_case_by_its_rule(monkeypatch):
    from harness.conventions import verdicts

    monkeypatch.setattr(verdicts, "load_outcomes", dict)   # nothing recorded
    both_valid = [result("kink", "x", {"g": [0.5]}), result("kink", "y", {"g": [-0.5]})]
    run = finish({"results": both_valid, "cases": [KINK]})
    assert [(v["backend"], v["verdict"]) for v in run["verdicts"]] == [
        ("x", "convention"), ("y", "convention")]
    assert run["exit_status"] == 0
    outside = [result("kink", "x", {"g": [0.5]}), result("kink", "y", {"g": [2.0]})]
    run = finish({"results": outside, "cases": [KINK]})
    assert [v["verdict"] for v in run["verdicts"]] == ["convention", "disagree"]
    assert run["exit_status"] == 1


def test_finish_records_unreadable_convention_outcomes_once_as_a_problem(monkeypatch):
    from harness.conventions import verdicts

    def unreadable():
        raise verdicts.OutcomesError("outcomes.tsv:3: 2 fields")
    monkeypatch.setattr(verdicts, "load_outcomes", unreadable)
    run = {"results": [result("kink", "x", {"g": [0.5]})], "cases": [KINK]}
    problem = {"kind": "conventions", "backend": None, "case": None, "dtype": None,
               "detail": "recorded outcomes not read: outcomes.tsv:3: 2 fields"}
    assert finish(run)["problems"] == [problem] and run["exit_status"] == 1
    assert finish(run)["problems"] == [problem]      # finished again: not twice


def test_finish_lists_what_changed_between_versions_of_one_framework():
    run = run_of([reference("c", {"g": G}), result("c", "torch@1.0", {"g": G}),
                  result("c", "torch@2.0", status="error", message="gone")])
    assert run["versions"] == [{
        "framework": "torch", "baseline": "torch@1.0", "baseline_version": "1.0",
        "backend": "torch@2.0", "version": "2.0",
        "changes": [{"case": "c", "output": "*", "dtype": "float64", "kind": "status",
                     "detail": "ok -> error"}]}]


def test_settle_fails_a_run_with_a_finding_even_when_every_verdict_passes():
    from harness.run.results import settle

    run = {"results": [result("c", "x", {"g": G})], "verdicts": [{"verdict": "agree"}],
           "findings": [{"kind": "non-finite-everywhere"}]}
    assert settle(run)["exit_status"] == 1
    assert settle(dict(run, findings=[]))["exit_status"] == 0


def test_finish_exit_status_for_findings_no_results_and_interrupts():
    nan = [float("nan"), 1.0]
    assert run_of([reference("c", {"g": nan}), result("c", "x", {"g": nan})])["exit_status"] == 1
    assert run_of([])["exit_status"] == 1
    ok = [reference("c", {"g": G}), result("c", "x", {"g": G})]
    assert finish({"results": ok, "cases": []}, interrupted=True)["exit_status"] == \
        EXIT_INTERRUPTED
    assert run_of(ok + [result("c", "y", status="interrupted")])["exit_status"] == \
        EXIT_INTERRUPTED
    assert run_of(ok + [result("c", "y", {"g": [5.0, 2.0]})])["exit_status"] == 1


# ---- the report set, written in process -------------------------------------------------

def finished():
    return run_of([reference("c", {"g": G}), result("c", "x", {"g": G})])


def test_write_reports_writes_the_whole_set_and_nothing_else(tmp_path):
    from harness.run.results import write_reports

    run = finished()
    written = write_reports(run, tmp_path / "out")
    assert set(written) == {"run.json", "junit.xml", "report.html"}
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert names == {"run.json", "junit.xml", "report.html", ".harness-out.lock"}
    on_disk = json.loads((tmp_path / "out" / "run.json").read_text())
    assert on_disk["exit_status"] == 0 and on_disk["summary"] == run["summary"]
    assert "<testsuites" in (tmp_path / "out" / "junit.xml").read_text()
    assert (tmp_path / "out" / "report.html").read_text().rstrip().endswith("</html>")


def test_a_report_that_fails_is_a_problem_in_run_json_and_leaves_no_stale_copy(
        tmp_path, monkeypatch):
    from harness import reports
    from harness.run.results import write_reports

    out = tmp_path / "out"
    write_reports(finished(), out)       # an old, good junit.xml is there
    def broken(run, view, context):
        raise RuntimeError("no XML today")
    patched = {**reports.formats(), "junit": reports.Report("junit", broken, file="junit.xml")}
    monkeypatch.setattr(reports, "formats", lambda: patched)
    run = finished()
    written = write_reports(run, out)
    assert "junit.xml" not in written and not (out / "junit.xml").exists()
    on_disk = json.loads((out / "run.json").read_text())
    (problem,) = on_disk["problems"]
    assert problem["kind"] == "report"
    assert problem["detail"] == "junit.xml failed: RuntimeError: no XML today"
    assert on_disk["exit_status"] == 1 == run["exit_status"]


def test_a_signal_while_the_reports_are_written_is_recorded(tmp_path):
    import signal

    from harness import reports
    from harness.run.results import write_reports

    run = finished()
    write_reports(run, tmp_path, reports.Context(signal=lambda: signal.SIGTERM))
    on_disk = json.loads((tmp_path / "run.json").read_text())
    assert on_disk["signal"] == "SIGTERM" and on_disk["exit_status"] == 128 + signal.SIGTERM
    assert [p["detail"] for p in on_disk["problems"]] == [
        "interrupted by SIGTERM while the reports were written"]
