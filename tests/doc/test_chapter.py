"""The seed chapter end to end: what `harness doc` really finds in it.

One run of the whole chapter (every tab in its env, plus the cases' references
and the JAX runs of the matching cases), shared by the tests below. The expected
sizes come from the chapter's own formulas, and the expected counts from its text
(cells per tab counted here by fence and tag), not from a run. The chapter is
found by the `seed_chapter` fixture (tests/conftest.py): absent, these tests skip,
except in CI where they fail.
"""

import math
import re
from collections import Counter

import pytest
from doc_helpers import run_doc

HESSIANS = "Hessians"
TABS = ["mxnet", "pytorch", "tensorflow"]
DEFAULT_TAB = "mxnet"   # the Portuguese edition's untagged cells, as `harness doc` assumes
FENCE = re.compile(r"^```\{\.python \.input\}\s*$")
TAG = re.compile(r"^\s*#\s*@tab\s+(.*)$")
PLOTS = ("d2l.plot(", "plt.figure(")

pytestmark = [pytest.mark.chapter]


@pytest.fixture(scope="module")
def run(tmp_path_factory, seed_chapter):
    return run_doc(seed_chapter, tmp_path_factory.mktemp("chapter") / "out", timeout=1200)


@pytest.fixture(scope="module")
def cells(seed_chapter) -> dict:
    """{tab: [cell source]} counted from the chapter's text: fences and #@tab lines."""
    lines = seed_chapter.read_text(encoding="utf-8").splitlines()
    per_tab: dict = {t: [] for t in TABS}
    for i, line in enumerate(lines):
        if not FENCE.match(line):
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        body = lines[i + 1:end]
        tag = TAG.match(body[0]) if body else None
        names = [t.strip() for t in tag.group(1).split(",")] if tag else [DEFAULT_TAB]
        for tab in TABS if names == ["all"] else names:
            per_tab[tab].append("\n".join(body))
    return per_tab


def _line_of(chapter, text, start_after=0):
    lines = chapter.read_text(encoding="utf-8").splitlines()
    return next(i + 1 for i, ln in enumerate(lines) if i + 1 > start_after and ln.startswith(text))


def test_every_tab_runs_and_the_run_exits_1_for_its_findings(run, cells):
    assert run.rc == 1, run.stderr[-2000:]
    assert list(run.doc["tabs"]) == TABS
    for tab in TABS:
        assert run.doc["tabs"][tab]["status"] == "ok"
        assert run.doc["tabs"][tab]["cells_run"] == len(cells[tab]) > 0, tab
    assert run.doc["timings"]["total_s"] > 0


def test_the_hessians_quadratic_approximation_drift_is_one_finding_naming_the_odd_tabs(
        run, seed_chapter):
    drift = [f for f in run.findings("drift") if f["section"] == HESSIANS]
    (f,) = drift
    # the case's reference (the text's formula) agrees with mxnet: the other two are odd,
    # though they are the majority
    assert f["odd_tabs"] == ["pytorch", "tensorflow"] and f["odd_by"] == "case"
    assert f["case"] == "quadratic_approximation"
    w = next(i for i in f["items"] if i["what"] == "variable w")
    # pytorch/tensorflow write 2(x+1)^2 + 2y^2 where mxnet (and the text) has
    # (x+1)^2 + y^2: they differ by e^-1((x+1)^2 + y^2), largest at x = 2, |y| = 2.
    assert math.isclose(w["max_abs"], 13 / math.e, rel_tol=1e-4)
    hessians = _line_of(seed_chapter, "## Hessians")
    for tab, (start, end) in f["lines"].items():
        w_line = _line_of(seed_chapter, "w = ", start_after=start - 1)
        assert hessians < start <= w_line <= end, (tab, start, end)
    assert len(run.findings("drift")) == 1, run.stdout


def test_tensorflow_meshgrid_is_transposed_not_different(run):
    (layout,) = [f for f in run.findings("layout") if f["section"] == HESSIANS]
    items = {i["what"]: i["layout"] for i in layout["items"]}
    for name in ("x", "y", "z"):
        assert items[f"variable {name}"].startswith("transposed")


def test_scalar_versus_one_element_tensors_are_layout_differences(run):
    first = run.doc["groups"][0]["section"]
    size1 = {(f["section"], i["what"]) for f in run.findings("layout") for i in f["items"]
             if "size-1" in (i["layout"] or "")}
    assert {(first, "variable grad_approx"), (first, "variable true_value")} <= size1


def test_the_mxnet_3d_plot_cell_raises_with_modern_matplotlib(run):
    (err,) = run.findings("error")
    assert err["section"] == HESSIANS and err["odd_tabs"] == ["mxnet"]
    assert err["detail"].startswith("TypeError") and "mxnet.numpy.ndarray" in err["detail"]


def test_the_chapter_s_warnings_are_reported_with_their_lines(run, seed_chapter):
    text = seed_chapter.read_text(encoding="utf-8").splitlines()
    (torch,) = [f for f in run.findings("warning") if f["tabs"] == ["pytorch"]]
    seen = {i["what"].split(":")[1].strip().split()[0]: text[i["line"] - 1] for i in
            torch["items"]}
    assert "meshgrid" in seen["torch.meshgrid"]
    # ax.dist was removed from matplotlib: the assignment silently does nothing
    assert seen["Axes3D.dist"].strip() == "ax.dist = 12"


def test_case_references_back_the_tabs_where_they_agree(run):
    checks = run.doc["cases"]["checks"]
    assert checks, run.doc["cases"]
    first = run.doc["groups"][0]["section"]
    for c in checks:
        if c["section"] == HESSIANS and c["variable"] == "w":
            assert c["verdict"] == ("agree" if c["tab"] == "mxnet" else "drift")
        elif c["section"] == first:
            assert c["verdict"] in ("agree", "layout"), c


def test_jax_has_no_tab_and_its_case_results_are_shown(run):
    assert "no jax tab in this chapter" in run.stdout
    jax = run.doc["missing_tabs"]["jax"]
    assert jax["error"] is None and jax["cases"]
    sections = {row["section"] for row in jax["cases"]}
    assert HESSIANS in sections
    assert all(row["status"] == "ok" for row in jax["cases"])


def test_reports_show_cells_side_by_side_with_figures(run, cells):
    plotting = Counter(tab for tab, sources in cells.items() for src in sources
                       if any(p in src for p in PLOTS))
    assert set(plotting) == set(TABS)  # every tab draws: no tab's figures may go missing
    html = (run.out_dir / "doc.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= sum(plotting.values())
    assert "class='finding drift'" in html
    figures = sorted(p.name for p in (run.out_dir / "figures").iterdir())
    assert len(figures) >= sum(plotting.values()) and all(p.endswith(".png") for p in figures)
