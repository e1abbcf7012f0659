"""How `harness doc` reads D2L markdown: one small fixture per rule (stdlib only)."""

from pathlib import Path

import pytest

from harness.doc import align, parser

FIXTURES = Path(__file__).parent / "fixtures"


def chapter(name, default_tab="mxnet"):
    path = FIXTURES / name
    return parser.parse(path.read_text(encoding="utf-8"), str(path), default_tab)


def code(cell, tab):
    """The cell's program for `tab`, without the blank lines that keep line numbers."""
    return [ln for ln in parser.cell_program(cell, tab)[0].splitlines() if ln.strip()]


def test_tab_tags_give_each_cell_its_tab_and_plain_python_blocks_are_not_cells():
    ch = chapter("tags.md")
    assert [c.tabs for c in ch.cells] == [("pytorch",), ("tensorflow",)]
    assert ch.tabs() == ["pytorch", "tensorflow"]
    assert code(ch.cells[0], "pytorch") == ["import numpy as np", "t = 'pytorch'"]
    assert [c.index for c in ch.cells_for("tensorflow")] == [1]


def test_cells_keep_the_chapter_line_numbers_and_their_heading():
    ch = chapter("tags.md")
    lines = (FIXTURES / "tags.md").read_text().splitlines()
    first = ch.cells[0]
    assert lines[first.fence_line - 1].startswith("```{.python .input}")
    assert lines[first.end - 1] == "t = 'pytorch'"
    assert first.section == "Per tab"
    source = parser.cell_program(first, "pytorch")[0].splitlines()
    assert source[first.end - 1] == "t = 'pytorch'"      # same line in the program


def test_begin_tab_text_blocks_belong_to_their_tab():
    ch = chapter("tags.md")
    assert [(b.tabs, b.text) for b in ch.text_blocks] == [
        (("pytorch",), "PyTorch-only text."), (("tensorflow",), "TensorFlow-only text.")]


@pytest.mark.parametrize("default_tab", ["mxnet", "pytorch"])
def test_untagged_cells_belong_to_the_default_tab(default_tab):
    ch = chapter("default_tab.md", default_tab)
    assert ch.cells[0].tabs == (default_tab,) and not ch.cells[0].tagged
    assert ch.cells[1].tabs == ("tensorflow",) and ch.cells[1].tagged
    assert set(ch.tabs()) == {default_tab, "tensorflow"}


def test_all_cells_join_every_tab_program_in_document_order():
    ch = chapter("all.md")
    assert ch.tabs() == ["mxnet", "pytorch"]
    for tab in ("mxnet", "pytorch"):
        cells = ch.cells_for(tab)
        assert [c.tabs for c in cells] == [(tab,), ("all",)]
        assert cells[0].start < cells[1].start


def test_multi_tab_tags_put_one_cell_in_several_tabs():
    ch = chapter("multi_tab.md")
    assert ch.cells[0].tabs == ("mxnet", "pytorch")
    assert ch.cells_for("mxnet") == ch.cells_for("pytorch") == [ch.cells[0]]
    assert ch.cells_for("tensorflow") == [ch.cells[1]]


def test_percent_tab_spelling_is_a_tag_too():
    ch = chapter("percent_tab.md")
    assert [c.tabs for c in ch.cells] == [("pytorch",), ("tensorflow", "jax"), ("all",)]
    assert ch.tabs() == ["pytorch", "tensorflow", "jax"]
    assert code(ch.cells[0], "pytorch") == ["p = 'pytorch'"]


@pytest.mark.parametrize("tab, expected", [
    ("mxnet", ["value = 1", "value += 10"]),
    ("pytorch", ["value = 2"]),
    ("jax", ["value = 2"]),
    ("tensorflow", ["value = 3"]),
])
def test_tab_selected_keeps_only_the_selected_branch(tab, expected):
    ch = chapter("selected.md")
    assert code(ch.cells[-1], tab) == expected + ["print(f'value is {value}')"]


def test_tab_selected_with_no_branch_for_the_tab_leaves_a_valid_block():
    lines = ["for i in range(2):", "    if tab.selected('mxnet'):", "        i += 1", "x = 1"]
    out = parser.resolve_selected(lines, "pytorch")
    assert out == ["for i in range(2):", "    pass", "", "x = 1"]
    compile("\n".join(out), "<test>", "exec")


def test_magics_are_blanked_not_run():
    cell = parser.parse("```{.python .input}\n%matplotlib inline\nx = 1\n```\n").cells[0]
    source, magics = parser.cell_program(cell, "mxnet")
    assert magics == ["%matplotlib inline"]
    assert source.splitlines()[1:3] == ["", "x = 1"]


def test_binary_input_is_refused():
    with pytest.raises(parser.ChapterError):
        parser.parse("abc\x00def")


def test_cells_align_by_position_or_by_the_names_they_assign():
    text = ("## S\n```{.python .input}\na = 1\n```\n```{.python .input}\nb = 2\n```\n"
            "```{.python .input}\n#@tab pytorch\nb = 2\n```\n")
    ch = parser.parse(text)
    groups = align.align(ch, ["mxnet", "pytorch"])
    paired = [g for g in groups if len(g["cells"]) == 2]
    assert len(groups) == 2 and len(paired) == 1
    assert paired[0]["cells"]["mxnet"].lines[-1] == "b = 2"
