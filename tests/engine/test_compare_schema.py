"""`harness compare` on hand-edited run.json files (issue 13 items 4 and 12).

Every field compare reads is checked before anything is merged: a wrong type, a
non-finite number, a NaN token, an integer too long to read or nesting too deep is
exit 2 with one line naming the file and the field, no traceback, and no report
written (not even a folder). A complete result is preferred to an interrupted one.
"""

import json

import pytest

CASE = "chain_rule_forward"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture(scope="module")
def good_text(tmp_path_factory, harness, numpy_python) -> str:
    out = tmp_path_factory.mktemp("good")
    result = harness("run", "--backends", "numpy", "--cases", CASE, "--dtypes", "float64",
                     "--out", out)
    assert result.returncode == 0, result.stderr
    return (out / "run.json").read_text()


def _set(path, value):
    """A mutation: doc[path...] = value (path of keys and indices)."""
    def apply(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return apply


def _first_output(doc) -> str:
    return next(iter(doc["results"][0]["outputs"]))


VARIANTS = {
    "outputs-list": (_set(["results", 0, "outputs"], ["g"]),
                     "results[0].outputs: a list, expected an object"),
    "outputs-null": (_set(["results", 0, "outputs"], None),
                     "results[0].outputs: null, expected an object"),
    "outputs-number": (_set(["results", 0, "outputs"], {"f": 5}),
                       "results[0].outputs.f: an integer, expected an object"),
    "array-data": (lambda d: d["results"][0]["outputs"][_first_output(d)].update(data=5),
                   "expected a string"),
    "array-shape": (lambda d: d["results"][0]["outputs"][_first_output(d)].update(shape="2"),
                    "a string, expected a list"),
    "seconds-string": (_set(["results", 0, "seconds"], "fast"),
                       "results[0].seconds: a string, expected a number or null"),
    "seconds-huge": (_set(["results", 0, "seconds"], 10 ** 400),
                     "results[0].seconds: 1000000000000000... is not a finite number"),
    "seconds-negative": (_set(["results", 0, "seconds"], -1), "results[0].seconds: -1 is below 0"),
    "error-string": (_set(["results", 0, "error"], "a string"),
                     "results[0].error: a string, expected an object or null"),
    "error-fields": (_set(["results", 0, "error"], {"type": 1, "message": "m"}),
                     "results[0].error.type: an integer, expected a string"),
    "case-int": (_set(["results", 0, "case"], 5),
                 "results[0].case: an integer, expected a string"),
    "backend-null": (_set(["results", 0, "backend"], None),
                     "results[0].backend: null, expected a string"),
    "dtype-list": (_set(["results", 0, "dtype"], []),
                   "results[0].dtype: a list, expected a string"),
    "methods-list": (_set(["results", 0, "methods"], ["x"]),
                     "results[0].methods: a list, expected an object or null"),
    "methods-number": (_set(["results", 0, "methods"], {"g": 5}),
                       "results[0].methods.g: an integer, expected a string or null"),
    "problems-strings": (_set(["problems"], ["a string"]),
                         "problems[0]: a string, expected an object"),
    "problems-object": (_set(["problems"], {"a": 1}),
                        "problems: an object, expected a list or null"),
    "seeds-list": (_set(["seeds"], [1, 2]), "seeds: a list, expected an object or null"),
    "cases-strings": (_set(["cases"], ["x"]), "cases[0]: a string, expected an object"),
    "case-id-int": (_set(["cases", 0, "id"], 3), "cases[0].id: an integer, expected a string"),
    "environment-string": (_set(["environment"], "linux"),
                           "environment: a string, expected an object or null"),
    "env-backend-string": (_set(["environment", "backends"], {"numpy": "1.0"}),
                           "environment.backends.numpy: a string, expected an object"),
    "timings-string": (_set(["timings", "cases"], {CASE: {"numpy": {"float64": "fast"}}}),
                       f"timings.cases.{CASE}.numpy.float64: a string, expected a number"),
    "status-int": (_set(["results", 0, "status"], 3), "unknown result status 3"),
}
# textual variants: what json.dumps cannot write
TEXT_VARIANTS = {
    "digits-5000": (lambda t: t.replace('"seconds": ', f'"seconds": {"9" * 5000}, "s": ', 1),
                    "not strict JSON (Exceeds the limit (4300 digits)"),
    "deep-nesting": (lambda t: t.replace('"seeds": ', f'"seeds": {DEEP}, "x": ', 1),
                     "nested too deeply"),
    "nan-token": (lambda t: t.replace('"seconds": ', '"seconds": NaN, "s": ', 1),
                  "not strict JSON (NaN is not a JSON value)"),
    "infinity-token": (lambda t: t.replace('"seconds": ', '"seconds": -Infinity, "s": ', 1),
                       "not strict JSON (-Infinity is not a JSON value)"),
}


@pytest.mark.parametrize("kind", [*VARIANTS, *TEXT_VARIANTS])
def test_a_hand_edited_field_is_named_with_its_file_and_nothing_is_written(
        harness, tmp_path, good_text, kind):
    if kind in VARIANTS:
        doc = json.loads(good_text)
        mutate, words = VARIANTS[kind]
        mutate(doc)
        text = json.dumps(doc, indent=1)
    else:
        mutate, words = TEXT_VARIANTS[kind]
        text = mutate(good_text)
        assert text != good_text
    good, bad = tmp_path / "good.json", tmp_path / "edited.json"
    good.write_text(good_text)
    bad.write_text(text)
    result = harness("compare", good, bad, "--out", tmp_path / "out", timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert lines[0].startswith(f"harness compare: error: {bad}: ")
    assert words in lines[0]
    assert not (tmp_path / "out").exists()


def _interrupted(good_text: str) -> str:
    doc = json.loads(good_text)
    for r in doc["results"]:
        if r["backend"] == "numpy":
            r.update(status="interrupted", outputs={}, methods={}, seconds=None,
                     error={"type": "Interrupted", "message": "interrupted", "traceback": ""})
    return json.dumps(doc)


@pytest.mark.parametrize("order", ["interrupted-first", "interrupted-last"])
def test_compare_prefers_the_complete_result_to_an_interrupted_one(
        harness, tmp_path, good_text, order):
    good, cut = tmp_path / "good.json", tmp_path / "interrupted.json"
    good.write_text(good_text)
    cut.write_text(_interrupted(good_text))
    files = [cut, good] if order == "interrupted-first" else [good, cut]
    result = harness("compare", *files, "--out", tmp_path / "out", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert {r["status"] for r in run["results"]} == {"ok"}
    assert not run["problems"]
