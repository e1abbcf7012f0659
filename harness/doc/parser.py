"""Read D2L markdown the way the book's tooling (d2lbook) does.

A code cell is a fenced ```{.python .input} block. Its first line may name its tabs
(`#@tab pytorch`, `#@tab mxnet, pytorch`, `#@tab all`, or `%%tab ...`); an untagged
cell belongs to the chapter's default tab. `:begin_tab:`x`` ... `:end_tab:` text
belongs to tab x. Inside a cell, `if tab.selected(...)` chains keep only the branch
of the tab being built. Line numbers are kept: every transformation replaces lines
by blank ones, so a traceback's line number is the chapter's line number.
"""

import ast
import re
from dataclasses import dataclass, field

from harness.facts import D2L_TABS, backend_for_tab

KNOWN_TABS = D2L_TABS
# Tab name -> the backend (and environment) that runs it.
TAB_ENVS = {tab: backend_for_tab(tab) for tab in KNOWN_TABS}
ALL = "all"

_FENCE_OPEN = re.compile(r"^\s*```+\s*\{\s*\.python\s+\.input\b[^}]*\}\s*$")
_FENCE_ANY = re.compile(r"^\s*(```+)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TAG = re.compile(r"^\s*(?:#\s*@tab|%%tab)\b(.*)$")
_BEGIN_TAB = re.compile(r"^\s*:begin_tab:`([^`]*)`\s*$")
_END_TAB = re.compile(r"^\s*:end_tab:\s*$")
_SELECTED = re.compile(r"^(\s*)(if|elif)\s+tab\.selected\((.*)\)\s*:\s*(#.*)?$")
_ELSE = re.compile(r"^(\s*)else\s*:\s*(#.*)?$")
_MAGIC = re.compile(r"^\s*(%|!)")
_LABEL = re.compile(r"^\s*:label:`([^`]+)`\s*$")


class ChapterError(ValueError):
    """The file is not a D2L markdown chapter we can run."""


@dataclass
class Cell:
    index: int            # position among all code cells of the chapter
    start: int            # 1-based line of the first code line (after the fence)
    end: int              # 1-based line of the last code line
    section: str          # text of the nearest heading above the cell
    tabs: tuple           # tab names, or ("all",)
    tagged: bool          # False: it belongs to the default tab
    lines: list = field(default_factory=list)  # code lines, fence and tag excluded

    @property
    def fence_line(self) -> int:
        return self.start - 1

    def belongs_to(self, tab: str) -> bool:
        return ALL in self.tabs or tab in self.tabs

    def as_dict(self) -> dict:
        return {"index": self.index, "start": self.start, "end": self.end,
                "section": self.section, "tabs": list(self.tabs), "tagged": self.tagged}


@dataclass
class TextBlock:
    tabs: tuple
    start: int
    end: int
    text: str


@dataclass
class Chapter:
    path: str
    title: str
    default_tab: str
    cells: list
    text_blocks: list
    headings: list        # [(line, level, text)]
    label: str | None = None   # the chapter's `:label:` (the first, under its title)

    def section_number(self, line: int) -> int:
        """Position of the `##` section holding `line`: n for the n-th `##` heading, 0 before."""
        return sum(1 for ln, level, _ in self.headings if level == 2 and ln < line)

    def tabs(self) -> list:
        """Tabs that have cells, known ones first in the book's order."""
        found = {t for c in self.cells for t in c.tabs if t != ALL}
        if not found and self.cells:
            found = {self.default_tab}
        return [t for t in KNOWN_TABS if t in found] + sorted(found - set(KNOWN_TABS))

    def cells_for(self, tab: str) -> list:
        return [c for c in self.cells if c.belongs_to(tab)]


def split_tabs(text: str) -> tuple:
    names = [n.strip().lower() for n in re.split(r"[,\s]+", text) if n.strip()]
    return tuple(dict.fromkeys(names))


def parse(text: str, path: str = "<chapter>", default_tab: str = "mxnet") -> Chapter:
    """Cells, tab text blocks and headings of a chapter, with 1-based line numbers."""
    if "\x00" in text:
        raise ChapterError(f"{path} is a binary file, not markdown")
    lines = text.splitlines()
    cells, blocks, headings = [], [], []
    section, title = "", ""
    in_fence = None          # the backticks that opened a non-input fence
    i = 0
    open_block = None
    label = None
    while i < len(lines):
        line = lines[i]
        if in_fence:
            if line.strip().startswith(in_fence) and line.strip().strip("`") == "":
                in_fence = None
            i += 1
            continue
        if _FENCE_OPEN.match(line):
            ticks = _FENCE_ANY.match(line).group(1)
            j = i + 1
            while j < len(lines) and not (lines[j].strip().startswith(ticks)
                                          and lines[j].strip().strip("`") == ""):
                j += 1
            body = lines[i + 1:j]
            cells.append(_make_cell(len(cells), i + 2, body, section, default_tab))
            i = j + 1
            continue
        fence = _FENCE_ANY.match(line)
        if fence:
            in_fence = fence.group(1)
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            text_ = re.sub(r"\s*\{#[^}]*\}\s*$", "", heading.group(2)).strip()
            headings.append((i + 1, len(heading.group(1)), text_))
            section = text_
            title = title or text_
        found = _LABEL.match(line)
        if found and label is None and not any(lvl > 1 for _, lvl, _ in headings):
            label = found.group(1)
        begin = _BEGIN_TAB.match(line)
        if begin:
            open_block = (split_tabs(begin.group(1)) or (default_tab,), i + 1, [])
        elif _END_TAB.match(line) and open_block:
            blocks.append(TextBlock(open_block[0], open_block[1], i + 1,
                                    "\n".join(open_block[2]).strip()))
            open_block = None
        elif open_block:
            open_block[2].append(line)
        i += 1
    return Chapter(path, title, default_tab, cells, blocks, headings, label)


def _make_cell(index, start, body, section, default_tab) -> Cell:
    first = next((k for k, ln in enumerate(body) if ln.strip()), None)
    tag = _TAG.match(body[first]) if first is not None else None
    if tag:
        tabs = split_tabs(tag.group(1)) or (default_tab,)
        body = body[:first] + [""] + body[first + 1:]
        tagged = True
    else:
        tabs, tagged = (default_tab,), False
    end = start + len(body) - 1
    return Cell(index, start, max(end, start), section, tabs, tagged, list(body))


def _selected_names(args: str):
    """Tab names in `tab.selected(<args>)`, or None if they are not literals."""
    try:
        value = ast.literal_eval(f"({args},)")
    except (ValueError, SyntaxError):
        return None
    names = []
    for v in value:
        names.extend(v if isinstance(v, (list, tuple)) else [v])
    return {str(n).lower() for n in names}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block_end(lines, start, indent) -> int:
    """Index after the block whose lines are indented deeper than `indent`."""
    j = start
    while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > indent):
        j += 1
    while j > start and not lines[j - 1].strip():
        j -= 1
    return j


def resolve_selected(lines: list, tab: str) -> list:
    """Keep, of each `if tab.selected(...)`/elif/else chain, only `tab`'s branch."""
    out = list(lines)
    i = 0
    while i < len(out):
        m = _SELECTED.match(out[i])
        names = _selected_names(m.group(3)) if m and m.group(2) == "if" else None
        if names is None:
            i += 1
            continue
        indent = len(m.group(1))
        branches = []        # (header index, body start, body end, selected?)
        j, taken = i, False
        while True:
            body_end = _block_end(out, j + 1, indent)
            hit = names is not None and tab in names and not taken
            branches.append((j, j + 1, body_end, hit))
            taken = taken or hit
            k = body_end
            while k < len(out) and not out[k].strip():
                k += 1
            if k >= len(out) or _indent(out[k]) != indent:
                break
            em, el = _SELECTED.match(out[k]), _ELSE.match(out[k])
            if em and em.group(2) == "elif":
                names = _selected_names(em.group(3))
                if names is None:
                    break
                j = k
            elif el:
                names = {tab}
                j = k
            else:
                break
        kept = False
        for header, b0, b1, hit in branches:
            out[header] = ""
            body = [ln for ln in out[b0:b1] if ln.strip()]
            shift = min((_indent(ln) for ln in body), default=indent) - indent
            for k in range(b0, b1):
                if hit:
                    out[k] = out[k][min(shift, _indent(out[k])):] if out[k].strip() else ""
                else:
                    out[k] = ""
            kept = kept or (hit and body)
        if not kept:
            out[i] = " " * indent + "pass"
        i += 1   # re-scan from the (now dedented) body: nested chains resolve too
    return out


def strip_magics(lines: list) -> tuple:
    """Blank out IPython magics and shell escapes; return (lines, the magics)."""
    out, magics = [], []
    for ln in lines:
        if _MAGIC.match(ln):
            magics.append(ln.strip())
            out.append("")
        else:
            out.append(ln)
    return out, magics


def cell_program(cell: Cell, tab: str) -> tuple:
    """(source with the chapter's line numbers, skipped magics) of `cell` for `tab`."""
    lines, magics = strip_magics(cell.lines)
    lines = resolve_selected(lines, tab)
    return "\n" * (cell.start - 1) + "\n".join(lines) + "\n", magics


def assigned_names(source: str, imports: bool = False) -> set:
    """Names a cell binds (for aligning cells across tabs); with `imports`, the names
    its imports bind too (what a failed cell leaves undefined for the cells after it)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif imports and isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names
