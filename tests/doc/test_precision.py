"""Doc mode's precision rules, one small chapter each, run through `python -m harness doc`.

Expected values come from the fixtures' own arithmetic (stated beside each assertion),
never from a run.
"""

import math

from doc_helpers import FIXTURES, run_doc

RANDOM_TABS = ["mxnet", "pytorch", "tensorflow", "jax"]


def test_tabs_drawing_random_data_agree_by_default(doc):
    run = doc("random_inputs.md")
    assert run.findings("drift") == [] and run.findings("error") == [], run.stdout
    assert run.rc == 0, run.stdout + run.stderr
    # only the JAX key is left uncompared: no other tab has one
    (nc,) = run.findings("not_compared")
    assert [(i["what"], i["tabs"]) for i in nc["items"]] == [("variable key", ["jax"])]
    draws = run.doc["random"]["draws"]
    assert run.doc["random"]["mode"] == "equal"
    assert draws["pytorch"]["equalised"] == {"torch.randn": 1, "torch.rand": 1,
                                             "torch.randint": 1}
    assert draws["jax"]["equalised"] == {"jax.random.normal": 1, "jax.random.uniform": 1,
                                         "jax.random.randint": 1}
    assert draws["mxnet"]["equalised"]["mx.np.random.normal"] == 1
    assert draws["tensorflow"]["equalised"] == {"tf.random.normal": 1, "tf.random.uniform": 2}
    compared = run.doc["summary"]["compared"]
    # X, noise, idx, then G and the printed trace: 5 values in 2 groups
    assert compared["values_compared"] >= 5 and compared["groups_compared"] == 2


def test_a_bug_behind_random_inputs_is_one_finding_naming_the_tab(tmp_path):
    text = (FIXTURES / "random_inputs.md").read_text()
    buggy = text.replace("G = tf.matmul(X, X, transpose_a=True)", "G = tf.matmul(X, X, transpose_b=True)[:3, :3]")
    assert buggy != text
    chapter = tmp_path / "random_bug.md"
    chapter.write_text(buggy)
    run = run_doc(chapter, tmp_path / "out", "--no-cases")
    assert run.rc == 1
    (finding,) = run.findings("drift")
    assert finding["odd_tabs"] == ["tensorflow"] and finding["odd_by"] == "majority"
    assert finding["section"] == "Computing with them"
    assert {i["what"] for i in finding["items"]} == {"variable G", "printed output"}


def test_native_random_draws_are_not_compared(doc):
    run = doc("random_inputs.md", "--native-random")
    assert run.findings("drift") == [], run.stdout
    (nc,) = [f for f in run.findings("not_compared") if f["section"] == "Draws in every framework"]
    assert {i["what"] for i in nc["items"]} >= {"variable X", "variable noise"}
    assert all(i["reason"].startswith("random") for i in nc["items"] if i["what"] != "variable key")
    later = [f for f in run.findings("not_compared") if f["section"] == "Computing with them"]
    assert later and all(i["reason"].startswith("random") for i in later[0]["items"])
    assert run.doc["random"]["mode"] == "native" and run.rc == 0


def test_a_draw_the_kernel_does_not_cover_is_not_compared_nor_drift(doc):
    run = doc("uncovered_random.md")
    assert run.findings("drift") == [] and run.rc == 0, run.stdout
    sections = {f["section"]: f for f in run.findings("not_compared")}
    assert "numpy.random.laplace" in sections["Laplace noise"]["items"][0]["reason"]
    using = {i["what"] for i in sections["Using it"]["items"]}
    assert using == {"variable total", "printed output"}


def test_complex_reordered_and_listed_values_are_compared(doc):
    run = doc("numpy_values.md")
    drift = {f["section"]: f for f in run.findings("drift")}
    assert set(drift) == {"Complex eigenvalues", "A list of arrays"}, run.stdout
    eig = drift["Complex eigenvalues"]
    assert eig["odd_tabs"] == ["jax"]
    # eigenvalues of R are +-i, of 2R are +-2i: they differ by 1 in the imaginary part
    assert math.isclose(eig["items"][0]["max_abs"], 1.0, rel_tol=1e-12)
    parts = drift["A list of arrays"]
    assert [i["what"] for i in parts["items"]] == ["variable parts[1]"]
    assert parts["odd_tabs"] == ["jax"]
    (layout,) = run.findings("layout")
    assert layout["section"] == "Another order"
    assert layout["items"][0]["layout"].startswith("reordered")


def test_cells_that_assign_nothing_align_by_what_they_print(doc):
    run = doc("unmatched.md")
    (finding,) = run.findings("drift")
    # pytorch prints max 3.0 where tensorflow prints 4.0: the second cells pair up
    assert finding["items"][0]["what"] == "printed output"
    assert finding["items"][0]["max_abs"] == 1.0
    lonely = [i for f in run.findings("not_compared") for i in f["items"]
              if i["reason"].startswith("unmatched")]
    assert len(lonely) == 1 and lonely[0]["tabs"] == ["pytorch"]


def test_a_warning_is_reported_with_its_line_and_fails_only_when_strict(doc, tmp_path):
    run = doc("warning.md")
    lines = (FIXTURES / "warning.md").read_text().splitlines()
    found = {tuple(f["tabs"]): f["items"] for f in run.findings("warning")}
    assert set(found) == {("pytorch",), ("tensorflow",)}, run.stdout
    (deprecated,) = found[("pytorch",)]
    assert deprecated["line"] == lines.index("y = old_api(1.0)") + 1
    assert deprecated["what"].startswith("DeprecationWarning: old_api is deprecated")
    # an attribute matplotlib no longer has: stored, and nothing happens
    (silent,) = found[("tensorflow",)]
    assert silent["line"] == lines.index("ax.dist = 12") + 1
    assert "dist is not an attribute of matplotlib" in silent["what"]
    assert run.rc == 0 and run.findings("drift") == []
    for out in run.outputs("pytorch") + run.outputs("tensorflow"):
        assert "Warning" not in out["stderr"]
    strict = run_doc(FIXTURES / "warning.md", tmp_path / "strict", "--no-cases", "--strict")
    assert strict.rc == 1


def test_figure_data_that_differ_are_drift(doc):
    run = doc("figure.md")
    (finding,) = run.findings("drift")
    (item,) = finding["items"]
    assert item["what"] == "figure 1, axes 1, line 1 (y)" and finding["odd_tabs"] == ["jax"]
    # exp(-2 t) against 1 on t in [0, 5]: the largest gap is 1 - exp(-10)
    assert math.isclose(item["max_abs"], 1 - math.exp(-10), rel_tol=1e-9)


def test_drift_is_reported_once_and_later_cells_inherit_it(doc):
    run = doc("carried.md")
    drift = {f["section"]: f for f in run.findings("drift")}
    # it reads c too, but there tensorflow is the odd tab: a new problem, not jax's
    assert set(drift) == {"A wrong constant", "A new bug downstream",
                          "Not a number anywhere"}, run.stdout
    assert drift["A new bug downstream"]["odd_tabs"] == ["tensorflow"]
    first = drift["A wrong constant"]
    assert first["odd_tabs"] == ["jax"]
    (carried,) = first["inherited"]
    assert carried["section"] == "Using it later"
    later = [g for g in run.doc["groups"] if g["section"] == "Using it later"]
    assert later[0]["inherited_from"] == first["id"]
    # NaN in the same place in every tab is still a finding, as in `run`
    assert drift["Not a number anywhere"]["items"][0]["non_finite"]


def test_identities_and_timings_are_not_compared_and_one_fact_in_two_forms_agrees(doc):
    run = doc("carried.md")
    nc = {f["section"]: f for f in run.findings("not_compared")}
    reasons = {i["what"]: i["reason"] for i in nc["Values that are not results"]["items"]}
    assert reasons["variable where"].startswith("object identity")
    assert reasons["variable start"] == "timing"
    assert reasons["printed output"] in ("timing", "object identity (id())")
    assert not [f for f in run.doc["findings"] if f["section"] == "The same fact, two forms"]
