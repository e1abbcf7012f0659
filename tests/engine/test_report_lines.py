"""The report lines CI users read, whole: the table, markdown, the details, junit.xml.

Each run is finished in process from synthetic results (the mutation suite's core, with
test_report_views.py); every expected line is written from the inputs built here: which
backend got which numbers, in which order, with which message. The words other modules
own (a cross-check detail, the conventions and versions sections) are taken from the
run's rows and those modules, and only placed here.
"""

import math
import platform
import xml.etree.ElementTree as ET

from synthetic import reference, result

from harness import reports
from harness.common.protocol import encode_floats
from harness.common.tolerances import tolerance
from harness.reports import conventions, versions, view
from harness.reports.junit import MESSAGE_CHARS
from harness.run.crosscheck import SEVERITY
from harness.run.results import finish

G = [1.0, 2.0, 4.0]
TOL64 = "tolerance " + str(tolerance("float64"))   # exact float64: what every row here uses
DETAILS = "Details (everything that is not agree or a convention):"


def run_of(results, cases=(), **extra):
    return finish({"results": results, "cases": list(cases), **extra})


def details(run) -> list:
    """The table's detail lines, without the list marks."""
    text = reports.render(run, "table")
    return [ln[2:] for ln in text.split(DETAILS)[1].splitlines() if ln.startswith("- ")]


def rows_of(run, backend) -> dict:
    return {v["output"]: v for v in run["verdicts"] if v["backend"] == backend}


def shaped(res, name, values, shape):
    """`res` with output `name` replaced by `values` in `shape` (a matrix, a scalar)."""
    res["outputs"][name] = encode_floats(values, shape=shape)
    return res


# ---- the grid: which rows, columns and blocks -------------------------------------------

def test_rows_are_the_chapters_cases_then_each_groups_then_cases_without_metadata():
    metas = [{"id": "conventions/aa", "order": 1}, {"id": "beta", "order": 2},
             {"id": "zeta", "order": 1}, {"id": "alpha", "order": 2}, {"id": "zz_nometa"},
             {"id": "unused", "order": 3}]
    ran = ["orphan", "conventions/aa", "beta", "zeta", "alpha", "zz_nometa"]
    results = [r for case in ran for r in (reference(case, {"g": G}), result(case, "x", {"g": G}))]
    run = run_of(results, metas)
    # no order (no worker described it) first, before order 1 whatever its id; the chapter
    # by order, ties by id; then the
    # conventions group although its order is 1; then a case only the results name
    want = ["zz_nometa", "zeta", "alpha", "beta", "conventions/aa", "orphan"]
    built = view.build(run)
    assert built.case_ids == want
    assert built.cases[-1] == {"id": "orphan", "title": "orphan"}
    lines = reports.render(run, "table").splitlines()
    assert [ln.split()[0] for ln in lines[2:2 + len(want)]] == want
    assert lines[2 + len(want)] == ""


def test_a_block_per_dtype_the_backends_ran_and_the_reference_alone_in_float64():
    run = run_of([reference("c", {"g": G}), result("c", "x", {"g": G}, "float32")])
    blocks = [ln for ln in reports.render(run, "table").splitlines() if ln.startswith("==")]
    assert blocks == ["== float32 =="]   # the reference's float64 is compared in float32
    alone = run_of([reference("c", {"g": G})])
    assert reports.render(alone, "table").splitlines() == [
        "== float64 ==", "case  reference", "c     ok", "", "1 agree; exit status 0"]


def small_run():
    """tf agrees on `first` and not on `second` (its last value 5 for 4); mx ran `first` only."""
    return run_of([reference("first", {"g": G}), reference("second", {"g": G}),
                   result("first", "tf", {"g": G}), result("second", "tf", {"g": [1.0, 2.0, 5.0]}),
                   result("first", "mx", {"g": G})],
                  [{"id": "second", "order": 2}, {"id": "first", "order": 1}])


SMALL_LINE = ("second [tf float64] g: disagree: 5.0 vs expected 4.0 at index (2,); "
              f"max abs err 1, max rel err 0.25; {TOL64}")


def test_the_whole_table_left_aligned_with_a_dash_where_a_backend_did_not_run():
    assert reports.render(small_run(), "table").splitlines() == [
        "== float64 ==",
        "case    reference  tf        mx",
        "first   ok         ok        ok",
        "second  ok         DISAGREE  -",
        "",
        DETAILS,
        f"- {SMALL_LINE}",
        "",
        "4 agree, 1 disagree; exit status 1"]


def test_the_whole_markdown_summary():
    assert reports.render(small_run(), "markdown").splitlines() == [
        "### float64", "",
        "| case | reference | tf | mx |",
        "|---|---|---|---|",
        "| first | ok | ok | ok |",
        "| second | ok | DISAGREE | - |", "",
        "### Details", "",
        f"- {SMALL_LINE}", "",
        "**4 agree, 1 disagree; exit status 1**"]


CASE = "conventions/kink"
INTERVAL = {"kind": "interval", "low": [-1.0], "high": [1.0], "why": "test rule"}


def answer(backend, value):
    return {"case": CASE, "backend": backend, "dtype": "float64", "status": "ok",
            "outputs": {"grad": encode_floats([value])}, "methods": {"grad": "autodiff"},
            "tolerance_classes": {"grad": "exact"}, "error": None, "seconds": 0.01}


def sections_run():
    """A convention case (fw_a inside the valid interval, fw_b outside) and torch at two
    versions (2.0 off in the last value)."""
    results = [dict(answer("reference", 0.0), outputs={}), answer("fw_a", 0.5),
               answer("fw_b", 2.0), reference("c", {"g": G}), result("c", "torch@1.0", {"g": G}),
               result("c", "torch@2.0", {"g": [1.0, 2.0, 5.0]})]
    return run_of(results, [{"id": CASE, "order": 1, "kind": "convention",
                             "rules": {"grad": INTERVAL}}, {"id": "c", "order": 1}])


def sections_details(run) -> list:
    outside = rows_of(run, "fw_b")["grad"]
    assert outside["verdict"] == "disagree" and "outside" in outside["detail"]
    return [(f"c [torch@2.0 float64] g: disagree: 5.0 vs expected 4.0 at index (2,); "
            f"max abs err 1, max rel err 0.25; {TOL64}; odd one out: torch@2.0"),
            (f"{CASE} [fw_b float64] grad: disagree: {outside['detail']}; {TOL64}; "
            f"method autodiff; odd one out: fw_b")]


NOTE = ("(convention: frameworks give different answers, each valid there; "
        "reported, not a failure)")
# reference and torch@1.0 agree on c, torch@2.0 and fw_b disagree, fw_a is a convention
SECTIONS_SUMMARY = f"2 agree, 2 disagree, 1 convention; exit status 1\n{NOTE}"


def test_the_table_places_conventions_versions_and_details_after_the_grid():
    run = sections_run()
    conv, vers = conventions.text_lines(run), versions.text_lines(run)
    assert conv[0].startswith("Conventions") and vers[0].startswith("Versions")
    grid = ["== float64 ==",
            "case              reference  fw_a        fw_b      torch@1.0  torch@2.0",
            "c                 ok         -           -         ok         DISAGREE",
            f"{CASE}  -          convention  DISAGREE  -          -", ""]
    assert reports.render(run, "table") == "\n".join(
        grid + conv + [""] + vers + ["", DETAILS]
        + [f"- {d}" for d in sections_details(run)] + ["", SECTIONS_SUMMARY])


def test_markdown_places_conventions_versions_and_details_under_their_headings():
    run = sections_run()
    table, vers = conventions.markdown(run), versions.text_lines(run)
    assert table and vers
    grid = ["### float64", "",
            "| case | reference | fw_a | fw_b | torch@1.0 | torch@2.0 |",
            "|---|---|---|---|---|---|",
            "| c | ok | - | - | ok | DISAGREE |",
            f"| {CASE} | - | convention | DISAGREE | - | - |", ""]
    assert reports.render(run, "markdown") == "\n".join(
        grid + ["### Conventions", "", table, "", "### Versions", "", "```", *vers, "```", "",
                "### Details", ""] + [f"- {d}" for d in sections_details(run)]
        + ["", f"**{SECTIONS_SUMMARY}**"])


def test_a_markdown_detail_stays_one_list_item_whatever_the_message_holds():
    run = run_of([reference("c", {"g": G}),
                  result("c", "x", status="crashed", message="a | b\nc\x1b[31m")])
    md = reports.render(run, "markdown").splitlines()
    assert "- c [x float64] crashed: Injected: a \\| b c" in md


def test_an_empty_run_says_so():
    assert reports.render(run_of([]), "table") == "no verdicts; exit status 1"


# ---- detail lines: what differed, said once ------------------------------------------

def test_a_non_finite_value_is_named_once_with_the_cross_checks_words():
    run = run_of([reference("c", {"g": G}), result("c", "x", {"g": [1.0, 2.0, math.nan]}),
                  result("c", "y", {"g": G}), result("c", "z", {"g": G})])
    words = rows_of(run, "x")["g"]["detail"].split(", first at index")[0]
    assert words and "nan" not in words
    assert details(run) == [(f"c [x float64] g: disagree: {words}; nan vs expected 4.0 at index "
                            f"(2,); {TOL64}; odd one out: x")]


def test_errors_are_numbers_or_inf_and_indices_those_of_the_array():
    zero = run_of([reference("c", {"g": [0.0, 2.0]}), result("c", "x", {"g": [0.5, 2.0]})])
    assert details(zero) == [(f"c [x float64] g: disagree: 0.5 vs expected 0.0 at index (0,); "
                             f"max abs err 0.5, max rel err inf; {TOL64}")]
    matrix = run_of([shaped(reference("c", {"m": []}), "m", [1.0, 2.0, 3.0, 4.0], [2, 2]),
                     shaped(result("c", "x", {"m": []}), "m", [1.0, 2.0, 3.0, 6.0], [2, 2])])
    assert details(matrix) == [(f"c [x float64] m: disagree: 6.0 vs expected 4.0 at index "
                               f"(1, 1); max abs err 2, max rel err 0.5; {TOL64}")]
    scalar = run_of([shaped(reference("c", {"s": []}), "s", [3.0], []),
                     shaped(result("c", "x", {"s": []}), "s", [4.0], [])])
    assert details(scalar) == [(f"c [x float64] s: disagree: 4.0 vs expected 3.0; "
                               f"max abs err 1, max rel err {1 / 3:.4g}; {TOL64}")]


def test_each_disagreeing_output_has_its_line_even_when_they_differ_alike():
    run = run_of([reference("c", {"g": G, "h": G}),
                  result("c", "x", {"g": [1.0, 2.0, 5.0], "h": [1.0, 2.0, 5.0]})])
    same = (f"disagree: 5.0 vs expected 4.0 at index (2,); max abs err 1, max rel err 0.25; "
            f"{TOL64}")
    assert details(run) == [f"c [x float64] g: {same}", f"c [x float64] h: {same}"]


def test_outputs_failing_for_one_reason_share_a_line_and_only_those():
    methods = {k: "reverse-mode" for k in "ghk"}
    run = run_of([reference("c", {"g": G, "h": G, "k": G}),
                  result("c", "x", {"g": [1.0, 2.0], "h": [1.0, 2.0]}, methods=methods)])
    rows = rows_of(run, "x")
    assert rows["g"]["detail"] == rows["h"]["detail"] != rows["k"]["detail"]
    assert details(run) == [f"c [x float64] g, h: error: {rows['g']['detail']}",
                            f"c [x float64] k: error: {rows['k']['detail']}"]


def test_many_outputs_are_counted_and_the_first_three_named():
    for n in (3, 4):
        names = [f"o{i}" for i in range(n)]
        run = run_of([reference("c", {o: G for o in names}),
                      result("c", "z", status="error", message="boom")])
        named = ", ".join(names) if n == 3 else f"{n} outputs (o0, o1, o2, ...)"
        assert details(run) == [f"c [z float64] {named}: error: Injected: boom"]


def test_with_no_output_known_a_line_says_all_outputs():
    run = run_of([result("c", "reference", status="error", message="no reference"),
                  result("c", "z", status="error", message="boom")])
    assert details(run) == [("c [reference float64] all outputs: error: reference: Injected: "
                            "no reference"),
                            "c [z float64] all outputs: error: Injected: boom"]


def test_one_line_per_cell_that_crashed_even_with_the_same_message():
    results = [reference(c, {"g": G, "h": G}) for c in ("c", "d")]
    crashed = [("c", "x", "float64"), ("c", "x", "float32"), ("d", "x", "float64"),
               ("c", "y", "float64")]
    results += [result(c, b, status="crashed", dtype=d, message="killed") for c, b, d in crashed]
    results += [result("d", "y", {"g": G, "h": G})]
    lines = details(run_of(results))
    assert sorted(lines) == sorted(f"{c} [{b} {d}] crashed: Injected: killed"
                                   for c, b, d in crashed)


def test_findings_and_problems_have_a_line_each_findings_in_the_grids_order():
    nan = [math.nan, 1.0]
    run = run_of([reference(c, {"g": nan}) for c in ("late", "early")]
                 + [result(c, "x", {"g": nan}) for c in ("late", "early")],
                 [{"id": "late", "order": 2}, {"id": "early", "order": 1}],
                 problems=[{"kind": "junk", "backend": "x", "case": "c", "dtype": "float32",
                            "detail": "not JSON"},
                           {"kind": "gone", "backend": None, "case": None, "dtype": None,
                            "detail": "the worker left"}])
    found = {f["case"]: f for f in run["findings"]}
    assert [f["case"] for f in run["findings"]] == ["late", "early"]   # the run's order
    lines = details(run)
    assert lines[-4:] == [
        f"{c} g [float64] {found[c]['kind']}: {found[c]['detail']}" for c in ("early", "late")
    ] + ["junk [x c float32]: not JSON", "gone: the worker left"]


# ---- junit.xml ---------------------------------------------------------------------------

TRACEBACK = "Traceback (most recent call last):\n  File \"w.py\", line 1\nSegfault\x1b[31m!\x00"


def timed(res, seconds):
    res["seconds"] = seconds
    return res


def junit_run(**extra):
    """x: a disagreement, a crash with a traceback; y: agrees, unsupported, and float32;
    w: two outputs of b off (two lines in one message);
    y's float32 result comes before the reference's, whose seconds differ per case."""
    crash = result("b", "x", status="crashed", message="killed by signal 11")
    crash["error"]["traceback"] = TRACEBACK
    results = [timed(result("a", "y", {"g": G}, "float32"), 0.25),
               timed(reference("a", {"g": G}), 0.125),
               timed(reference("b", {"g": G, "h": [0.5]}), 0.375),
               timed(result("a", "x", {"g": [1.0, 2.0, 5.0]}), 0.5), timed(crash, 1.25),
               timed(result("a", "y", {"g": G}), 0.75),
               result("b", "y", status="unsupported", message="no hessian"),
               timed(result("b", "w", {"g": [0.0, 2.0, 4.0], "h": [1.5]}), 0.5)]
    return run_of(results, [{"id": "a", "order": 1}, {"id": "b", "order": 2}], **extra)


def junit(run):
    root = ET.fromstring(reports.render(run, "junit"))
    return root, {s.get("name"): s for s in root.iter("testsuite")}


def test_junit_messages_are_the_detail_lines_of_their_cell():
    run = junit_run()
    lines = details(run)
    root, suites = junit(run)
    checked = 0
    for suite in suites.values():
        for tc in suite:
            assert tc.tag == "testcase"
            backend, dtype = tc.get("classname").split(".")
            prefix = f"{tc.get('name')} [{backend} {dtype}] "
            said = [ln[len(prefix):] for ln in lines if ln.startswith(prefix)]
            verdict = view.build(run).cell(tc.get("name"), backend, dtype)
            children = list(tc)
            if not said:
                assert children == [] and verdict == "agree"
                continue
            (child,) = children
            assert child.get("message") == "; ".join(said)
            want = {"disagree": "failure", "crashed": "error", "unsupported": "skipped"}[verdict]
            assert child.tag == want
            assert child.get("type") == (None if want == "skipped" else verdict)
            checked += 1
    failing = {(v["case"], v["backend"], v["dtype"]) for v in run["verdicts"]
               if v["verdict"] != "agree"}
    assert checked == len(failing) == 4   # x on a and b, y on b, w on b
    (two,) = [tc for tc in suites["w"] if tc.get("name") == "b"]
    assert two.find("failure").get("message").count("; h: disagree: ") == 1
    assert int(root.get("tests")) == len(list(root.iter("testcase")))


def test_junit_keeps_the_traceback_readable_and_legal():
    _, suites = junit(junit_run())
    (crash,) = [tc for tc in suites["x"] if tc.get("name") == "b"]
    assert crash.find("error").text == TRACEBACK.replace("\x1b[31m", "").replace("\x00", "\\x00")


def test_junit_times_add_up_and_the_reference_is_timed_in_every_dtype():
    root, suites = junit(junit_run())
    times = {(s.get("name"), tc.get("classname"), tc.get("name")): tc.get("time")
             for s in suites.values() for tc in s}
    assert times[("reference", "reference.float32", "a")] == "0.125"
    assert times[("reference", "reference.float64", "b")] == "0.375"
    assert suites["x"].get("time") == f"{0.5 + 1.25:.3f}"
    # the reference: a and b in both dtypes; x: a, b; y: a in both, b unsupported (0.01); w: b
    total = 2 * (0.125 + 0.375) + 0.5 + 1.25 + 0.25 + 0.75 + 0.01 + 0.5
    assert root.get("time") == f"{total:.3f}"


def test_junit_stamps_every_suite_with_the_runs_time_and_host(monkeypatch):
    run = junit_run(created="2026-11-26T10:20:30.5+01:00", environment={"hostname": "ci-7"})
    root, suites = junit(run)
    assert root.get("timestamp") == "2026-11-26T10:20:30"
    assert {(s.get("timestamp"), s.get("hostname")) for s in suites.values()} == {
        ("2026-11-26T10:20:30", "ci-7")}
    monkeypatch.setattr(platform, "node", lambda: "node-3")
    root, suites = junit(junit_run(created="26 Nov 2026"))
    assert root.get("timestamp") == "" and {s.get("hostname") for s in suites.values()} == {
        "node-3"}
    monkeypatch.setattr(platform, "node", lambda: "")
    root, suites = junit(junit_run())
    assert root.get("timestamp") == "" and {s.get("hostname") for s in suites.values()} == {
        "unknown"}


def test_a_junit_message_is_cut_only_past_its_limit():
    prefix = "crashed: Injected: "
    for size in (MESSAGE_CHARS, MESSAGE_CHARS + 1):
        text = "m" * (size - len(prefix))
        run = run_of([reference("c", {"g": G}), result("c", "x", status="crashed", message=text)])
        _, suites = junit(run)
        (tc,) = suites["x"]
        message = prefix + text
        want = message if size == MESSAGE_CHARS else message[:MESSAGE_CHARS] + " ..."
        assert tc.find("error").get("message") == want


# ---- the shared helpers' promises --------------------------------------------------------

def test_printable_drops_colour_and_escapes_what_xml_cannot_hold():
    text = "\x1b[31mred\x1b[0m a\x00b \ud800 é ✗ \x1b]0;title\x07end"
    assert view.printable(text) == "red a\\x00b \\ud800 é ✗ end"


def test_verdicts_rank_by_severity_and_unknown_words_last():
    assert [view.rank(v) for v in SEVERITY] == list(range(len(SEVERITY)))
    assert sorted(["agree", "bogus", "disagree", "crashed"], key=view.rank) == [
        "crashed", "disagree", "agree", "bogus"]
