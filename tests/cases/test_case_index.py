"""The case index: stdlib only, in step with the modules, and loud about malformed cases."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cases
from harness.facts import FRAMEWORK_MODULES

REPO = Path(cases.__file__).resolve().parent.parent
EXAMPLES = 13  # the issue lists thirteen examples


def test_index_matches_the_modules():
    modules = {f"cases.{p.stem}" for p in (REPO / "cases").glob("*.py")
               if not p.stem.startswith("_") and p.stem != "base"}
    index = cases.case_index(groups=("chapter",))
    assert {e["module"] for e in index} == modules
    assert len(index) == EXAMPLES
    ids = [e["id"] for e in index]
    assert len(set(ids)) == len(ids)
    assert [e["order"] for e in index] == list(range(1, EXAMPLES + 1))


HEAVY = (*(m for mods in FRAMEWORK_MODULES.values() for m in mods), "sympy", "cases.base")


def test_index_imports_no_numpy_and_no_framework():
    code = ("import sys, cases; index = cases.case_index(); "
            f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; "
            "print(sum(e['group'] == 'chapter' for e in index), heavy)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=REPO, check=True)
    assert done.stdout.split() == [str(EXAMPLES), "[]"], done.stdout + done.stderr


def test_unknown_case_names_the_known_ones():
    with pytest.raises(cases.UnknownCase, match="first_order_approximation"):
        cases.load("no_such_case")


@pytest.mark.parametrize("text, message", [
    ("x = 1\n", "no top-level"),
    ("CASE = Case(id=name(), title='t', section='s', order=1)\n", "must be a literal"),
    ("CASE = Case(id='a', title='t', order=1)\n", "lacks literal section"),
    ("CASE = Case(id='a', title='t', section='s', order=1)\n", "lacks literal chapter"),
    ("CASE = Case(id='a', title='t', section='s', order='1', chapter='c', section_number=1)\n",
     "order an int"),
    ("CASE = Case(id='a', title='t', section='s', order=1, chapter='c', section_number=0)\n",
     "section_number must be a positive int"),
])
def test_malformed_case_module_is_rejected(tmp_path, text, message):
    path = tmp_path / "bad_case.py"
    path.write_text(text)
    with pytest.raises(cases.CaseError, match=message):
        cases._entry(path, "chapter")


def test_loaded_cases_match_their_index_entries():
    pytest.importorskip("numpy")
    for entry in cases.case_index():
        case = cases.load(entry["id"])
        assert (case.id, case.title, case.section, case.order, case.chapter,
                case.section_number) == (entry["id"], entry["title"], entry["section"],
                                         entry["order"], entry.get("chapter", ""),
                                         entry.get("section_number", 0))
        meta = json.loads(json.dumps(case.as_dict(), allow_nan=False))
        assert meta["outputs"] == list(case.outputs)
        assert case.notes.strip(), f"{case.id}: say what the case shows and why"


def test_sections_are_headings_of_the_chapter(seed_chapter):
    text = seed_chapter.read_text(encoding="utf-8")
    headings = {line[3:].strip() for line in text.splitlines()
                if line.startswith("## ")}
    for entry in cases.case_index(groups=("chapter",)):
        assert entry["section"] in headings, entry


def test_cases_name_the_chapter_label_and_the_section_position(seed_chapter):
    """The label and the n-th `##` heading identify the section in every edition."""
    lines = seed_chapter.read_text(encoding="utf-8").splitlines()
    labels = [ln.strip()[len(":label:`"):-1] for ln in lines[:5] if ln.startswith(":label:`")]
    level2 = [ln[3:].strip() for ln in lines if ln.startswith("## ")]
    for entry in cases.case_index(groups=("chapter",)):
        assert entry["chapter"] == labels[0], entry
        assert level2[entry["section_number"] - 1] == entry["section"], entry


def test_figures_name_outputs():
    pytest.importorskip("numpy")
    kinds = {}
    for case in cases.load_all():
        for fig in case.figures:
            kinds.setdefault(fig["kind"], []).append(case.id)
    assert kinds == {"curve": ["critical_points"], "surface": ["quadratic_approximation"]}


def test_case_rejects_outputs_it_does_not_declare():
    np = pytest.importorskip("numpy")
    from cases.base import Case, CaseDefinitionError

    def compute(be, dtype):
        return {"a": np.zeros(2, dtype="float64")}

    case = Case(id="t", title="t", section="s", order=0, outputs=("a", "b"),
                compute_fn=compute, reference_fn=lambda: {"a": np.zeros(2), "b": np.ones(1)})

    class Fake:
        name = "fake"

    with pytest.raises(CaseDefinitionError, match="missing outputs"):
        case.compute(Fake(), "float64")
    with pytest.raises(CaseDefinitionError, match="expected a numpy float32"):
        Case(id="t", title="t", section="s", order=0, outputs=("a",), compute_fn=compute,
             reference_fn=None).compute(Fake(), "float32")
    with pytest.raises(CaseDefinitionError, match="unknown outputs"):
        Case(id="t", title="t", section="s", order=0, outputs=("a",), compute_fn=compute,
             reference_fn=None, ops={"z": "grad"})
