"""Cases link to a chapter by its `:label:` and the section's position, not heading text."""

from harness.doc import caselink, parser

SECTIONS_EN = ["Higher-Dimensional Differentiation", "Geometry of Gradients and Gradient Descent",
               "A Note on Mathematical Optimization", "Multivariate Chain Rule",
               "The Backpropagation Algorithm", "Hessians", "A Little Matrix Calculus",
               "Summary", "Exercises"]


def _chapter(label, sections):
    text = ["# A chapter", f":label:`{label}`", ""]
    for s in sections:
        text += [f"## {s}", "", "```{.python .input}", "x = 1", "```", ""]
    return parser.parse("\n".join(text), "chapter.md", "pytorch")


def test_the_english_edition_links_to_every_case_of_the_portuguese_one():
    import cases
    chapter = _chapter("sec_multivariable_calculus", SECTIONS_EN)
    entries, error = caselink.matching_cases(chapter)
    assert error is None
    assert {e["id"] for e in entries} == {e["id"] for e in cases.case_index(groups=("chapter",))}
    hessians = [e["id"] for e in entries if e["section_number"] == 6]
    assert sorted(hessians) == ["hessian_quadratic", "quadratic_approximation"]


def test_another_chapter_with_an_exercises_heading_links_to_no_case():
    chapter = _chapter("sec_linear-algebra", ["Scalars", "Exercises"])
    entries, error = caselink.matching_cases(chapter)
    assert entries == [] and "sec_linear-algebra" in error


def test_a_chapter_without_a_label_links_to_no_case():
    chapter = parser.parse("# Title\n\n## Exercises\n\n```{.python .input}\nx = 1\n```\n")
    entries, error = caselink.matching_cases(chapter)
    assert entries == [] and ":label:" in error


def test_cells_know_their_section_position():
    chapter = _chapter("sec_x", ["One", "Two", "Three"])
    assert [chapter.section_number(c.start) for c in chapter.cells] == [1, 2, 3]
