"""The findings structure the chapter report and the book index both read."""

import pytest

from harness.doc import findings


def _doc():
    drift = findings.new("drift", 3, "Hessians", lines={"mxnet": [10, 12], "pytorch": [20, 22]},
                         tabs=["mxnet", "pytorch", "tensorflow"], odd_tabs=["pytorch"],
                         odd_by="case", case="quadratic_approximation", what="variable w")
    layout = findings.new("layout", 1, "Intro", what="variable x: transposed")
    nc = findings.new("not_compared", 3, "Hessians", what="variable t (timing)")
    doc = {"findings": findings.number([nc, drift, layout]),
           "summary": {"compared": {"values_compared": 7, "groups_compared": 3,
                                    "values_not_compared": 1}}}
    return doc


def test_findings_are_numbered_in_document_order_and_counted_per_kind():
    doc = _doc()
    assert [(f["id"], f["kind"]) for f in doc["findings"]] == [
        ("F1", "layout"), ("F2", "drift"), ("F3", "not_compared")]
    assert findings.counts(doc) == {"drift": 1, "error": 0, "warning": 0, "layout": 1,
                                    "not_compared": 1, "values_compared": 7,
                                    "groups_compared": 3, "values_not_compared": 1}
    assert [f["id"] for f in findings.read(doc, ("drift",))] == ["F2"]


def test_a_headline_names_the_odd_tab_and_who_says_so():
    drift = findings.read(_doc(), ("drift",))[0]
    line = findings.headline(drift)
    assert line.startswith("drift [Hessians] (mxnet 10-12, pytorch 20-22): variable w")
    assert "odd: pytorch (by case quadratic_approximation's reference)" in line


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="unknown finding kind"):
        findings.new("note", 0, "x")
