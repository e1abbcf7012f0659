"""Which chapters a `harness doc PATH...` run covers, with which tabs, and this shard's part.

A book checkout is a folder of markdown chapters with a `config.ini` at its root;
d2lbook reads the `tabs` list of its `[build]` section, and the first tab is the one
untagged cells belong to. We read it the same way, from the nearest `config.ini`
above each chapter. Chapters are named by their path relative to the common folder
of everything asked for, so the same command names them the same on every machine
(what `--shard` and the merge rely on).
"""

import configparser
import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from harness.doc import parser

CONFIG = "config.ini"
_FENCE = re.compile(r"^\s*```+\s*\{\s*\.python\s+\.input\b", re.MULTILINE)


class BookError(ValueError):
    """The paths, the config or the shard cannot be used (a usage error)."""


@dataclass
class BookChapter:
    path: Path                # absolute path of the markdown file
    rel: str                  # posix path relative to the book's common folder
    default_tab: str
    book_tabs: list | None    # the config's tab list (None: no config.ini found)
    config: str | None        # the config.ini it came from

    @property
    def report_dir(self) -> str:
        """Folder of this chapter's doc.json/doc.html, relative to the output folder."""
        return str(PurePosixPath("chapters") / PurePosixPath(self.rel).with_suffix(""))


def read_config(path: Path) -> list | None:
    """The `[build] tabs` list of a d2lbook config.ini, or None if it has none."""
    cp = configparser.ConfigParser()
    try:
        cp.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise BookError(f"{path}: not a readable config.ini: {exc}") from None
    text = cp.get("build", "tabs", fallback="").strip()
    tabs = [t.strip().lower() for t in text.split(",") if t.strip()]
    return tabs or None


def find_config(folder: Path) -> Path | None:
    """The nearest config.ini with a `[build] tabs` list, in `folder` or above it."""
    for place in (folder, *folder.parents):
        candidate = place / CONFIG
        if candidate.is_file() and read_config(candidate):
            return candidate
    return None


def has_code_cells(path: Path) -> bool:
    try:
        return bool(_FENCE.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def _excluded(rel: str, patterns) -> bool:
    name = PurePosixPath(rel).name
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) or PurePosixPath(rel).match(p)
               for p in patterns)


def _files(paths) -> list:
    """(absolute file, given as a file?) for every path; folders give their .md files."""
    found = []
    for text in paths:
        path = Path(text).resolve()
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_build")))
                found += [(Path(root) / f, False) for f in sorted(files) if f.endswith(".md")]
        elif path.is_file():
            found.append((path, True))
        else:
            raise BookError(f"no such chapter file or folder: {text}")
    return found


def discover(paths, excludes=(), default_tab=None, tabs_override=None) -> list:
    """The chapters to run, sorted by their relative name."""
    files = _files(paths)
    unique = list(dict.fromkeys(f for f, _ in files))
    given = {f for f, explicit in files if explicit}
    if not unique:
        raise BookError("no markdown chapters under " + ", ".join(paths))
    common = Path(os.path.commonpath([str(f.parent) for f in unique]))
    chapters = []
    for path in unique:
        rel = path.relative_to(common).as_posix()
        if _excluded(rel, excludes) or (path not in given and not has_code_cells(path)):
            continue
        config = find_config(path.parent)
        book_tabs = read_config(config) if config else None
        first = book_tabs[0] if book_tabs else "mxnet"
        chapters.append(BookChapter(path, rel, default_tab or first,
                                    tabs_override or book_tabs, str(config) if config else None))
    chapters.sort(key=lambda c: c.rel)
    for c in chapters:
        if c.default_tab not in parser.KNOWN_TABS:
            raise BookError(f"unknown default tab {c.default_tab!r} for {c.rel}"
                            f"{' (from ' + c.config + ')' if c.config else ''}; "
                            f"known: {', '.join(parser.KNOWN_TABS)}")
    return chapters


def parse_shard(text: str | None) -> tuple | None:
    """`K/N` -> (K, N) with 1 <= K <= N; None for no sharding."""
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise BookError(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. 2/4")
    return int(m.group(1)), int(m.group(2))


def shard(chapters: list, which) -> list:
    """The K-th of N parts: every N-th chapter of the sorted list, starting at the K-th."""
    if which is None:
        return chapters
    k, n = which
    return chapters[k - 1::n]
