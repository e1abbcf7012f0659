"""`harness doc PATH...`: a book's chapters in parallel, each in its own process.

Each chapter runs as `python -m harness doc CHAPTER --chapter-job TOKEN` through the
shared worker layer (`harness.common.processes.run_once`: its own process group, a
deadline, the group killed at the end), so a chapter that hangs, crashes or breaks the
harness stops only itself, and Ctrl-C stops every chapter's kernels at once. The chapter
process writes its doc.json last; the token in it tells a fresh result from an old
one. After every finished chapter book.json, index.html and junit.xml are rewritten,
so an interrupted run keeps everything already done.
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from harness import envs
from harness.cli import UsageError
from harness.common import options, processes
from harness.common.fileio import read_json_object
from harness.doc import book, bookreport, cache, caselink, command, extras, parser, report, runner
from harness.facts import canonical_backend, d2l_tab, split_version


class Book:
    """The state of one run: chapters, their rows as they finish, running processes."""

    def __init__(self, args, chapters, single):
        self.args, self.chapters, self.single = args, chapters, single
        self.out = Path(args.out).resolve()
        self.cache_dir = Path(args.cache_dir).resolve() if args.cache_dir else self.out / "cache"
        self.rows = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.token = uuid.uuid4().hex
        self.started = time.monotonic()

    def report_dir(self, chapter) -> str:
        return "." if self.single else chapter.report_dir

    def say(self, text):
        print(f"[doc] {text}", file=sys.stderr, flush=True)


def _tabs_of(chapter_obj, bc, args) -> list:
    tabs = chapter_obj.tabs()
    if args.tabs:
        wanted = [t.strip().lower() for t in args.tabs.split(",") if t.strip()]
        return [t for t in tabs if t in wanted]
    return [t for t in tabs if not bc.book_tabs or t in bc.book_tabs]


def _child_argv(b, bc, tabs, out_dir) -> list:
    argv = [sys.executable, "-m", "harness", "doc", str(bc.path), "--out", str(out_dir),
            "--chapter-job", b.token, "--default-tab", bc.default_tab, "--tabs", ",".join(tabs),
            "--cell-timeout", repr(b.args.cell_timeout), "--cache-dir", str(b.cache_dir)]
    argv += ["--no-cases"] if b.args.no_cases else []
    argv += ["--no-cache"] if b.args.no_cache else []
    for key, value in command.cache_options(b.args).items():   # options added later pass on
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value not in (None, False, [], ""):
            argv += [flag, str(value)]
    return argv


def run_chapter(b, bc) -> dict:
    """Run one chapter's process; its row (never raises for the chapter's faults)."""
    started = time.monotonic()
    rdir = b.report_dir(bc)
    out_dir = b.out / rdir
    if b.stop.is_set():
        return bookreport.unfinished_row(bc, "interrupted", "not started")
    try:
        chapter_obj = command.load_chapter(str(bc.path), bc.default_tab)
    except UsageError as exc:
        return bookreport.unfinished_row(bc, "error", str(exc))
    tabs = _tabs_of(chapter_obj, bc, b.args)
    if not tabs:
        return bookreport.unfinished_row(bc, "skipped", "no tab of this chapter is selected")
    cells = {t: len(chapter_obj.cells_for(t)) for t in tabs}
    b.say(f"start {bc.rel} ({', '.join(f'{t} {n} cells' for t, n in cells.items())})")
    out_dir.mkdir(parents=True, exist_ok=True)
    limit = _chapter_limit(b.args, cells)
    with open(out_dir / "console.log", "w", encoding="utf-8") as log:
        done = processes.run_once(_child_argv(b, bc, tabs, out_dir), env=envs.worker_env(),
                                  timeout=limit, cancelled=b.stop.is_set, echo=_log_writer(log))
    seconds = time.monotonic() - started
    doc = _read_doc(out_dir / "doc.json", b.token)
    if doc is not None:
        return bookreport.chapter_row(bc, rdir, doc, seconds)
    if b.stop.is_set():
        return bookreport.unfinished_row(bc, "interrupted", "stopped before it finished",
                                         seconds, rdir)
    tail = (out_dir / "console.log").read_text(errors="replace")[-800:].strip()
    if done.timed_out:
        return bookreport.unfinished_row(
            bc, "timeout", f"the chapter process ran past {limit:.0f} s "
            f"(every cell at --cell-timeout, plus start and cases) and was stopped: {tail}",
            seconds, rdir)
    why = processes.exit_text(done.exit_status) if done.exit_status is not None else done.error
    return bookreport.unfinished_row(bc, "crashed", f"chapter process ended ({why}): {tail}",
                                     seconds, rdir)


def _log_writer(log):
    """A line sink for the chapter's stdout and stderr (two threads) into `log`."""
    lock = threading.Lock()

    def write(line):
        with lock:
            log.write(line + "\n")
            log.flush()
    return write


def _chapter_limit(args, cells: dict) -> float:
    """The longest a chapter can rightly take: its longest tab's cells each at the cell
    timeout (tabs run in parallel), the kernels' start and the cases' runs, with margin."""
    return max(cells.values(), default=0) * args.cell_timeout + runner.STARTUP_TIMEOUT \
        + caselink.CASE_TIMEOUT + 60


def _read_doc(path, token):
    doc = read_json_object(path)
    return doc if doc and doc.get("book_run") == token else None


def _progress_lines(row, done, total) -> list:
    head = f"[{done}/{total}] {row['path']}"
    if not row["tabs"]:
        return [f"{head}: {row['status']}: {row.get('message') or ''}"[:400]]
    lines = [f"{head}  {tab:<10} {info['cells']:>3} cells {info['seconds']:7.1f} s  "
             f"{info['status']}{' (cached)' if info['cached'] else ''}"
             for tab, info in row["tabs"].items()]
    return lines + [f"{head}: {row['status']} ({row['seconds']:.1f} s)"]


def _finish(b, row):
    with b.lock:
        b.rows[row["path"]] = row
        done = len(b.rows)
        write_book(b, interrupted=False)
    for line in _progress_lines(row, done, len(b.chapters)):
        b.say(line)


def write_book(b, interrupted) -> dict:
    rows = list(b.rows.values())
    if interrupted:
        rows += [bookreport.unfinished_row(c, "interrupted", "not finished")
                 for c in b.chapters if c.rel not in b.rows]
    doc = bookreport.book_doc(rows, argv=sys.argv, shard=book.parse_shard(b.args.shard),
                              options=command.cache_options(b.args), interrupted=interrupted,
                              harness_version=cache.harness_version())
    bookreport.write_all(doc, b.out)
    return doc


def _stop_all(b):
    """Stop every running chapter: each chapter's `run_once` polls `b.stop` and ends its
    process group (its kernels end with it: they exit with their parent)."""
    b.stop.set()


def _apply_tab_envs(items) -> None:
    """--tab-env TAB=BACKEND@VERSION, checked before any work and passed to the chapter
    processes (parser.TAB_ENV_VARIABLE): a tab runs in that framework version's env."""
    chosen = {}
    for item in items or []:
        tab, sep, backend = item.partition("=")
        tab = d2l_tab(tab.strip()) or tab.strip().lower()
        backend = canonical_backend(backend)
        if not sep or tab not in parser.TAB_ENVS or not backend:
            raise UsageError(f"--tab-env expects TAB=BACKEND[@VERSION] with a tab among "
                             f"{', '.join(parser.KNOWN_TABS)}, got {item!r}")
        if split_version(backend)[0] != parser.TAB_ENVS[tab]:
            raise UsageError(f"--tab-env {item}: tab {tab} runs {parser.TAB_ENVS[tab]}, "
                             f"at any version (e.g. {parser.TAB_ENVS[tab]}@X.Y.Z)")
        if tab in chosen:
            raise UsageError(f"--tab-env {tab} is given twice")
        options.installable(backend)
        chosen[tab] = backend
    if chosen:
        os.environ[parser.TAB_ENV_VARIABLE] = ",".join(f"{t}={b}" for t, b in chosen.items())


def _validate(args):
    if args.cell_timeout <= 0:
        raise UsageError("--cell-timeout must be positive")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.default_tab:            # `torch` means the `pytorch` tab
        args.default_tab = d2l_tab(args.default_tab) or args.default_tab
    if args.tabs is not None:       # '' is an error, as for every comma list
        args.tabs = ",".join(d2l_tab(t) or t.lower() for t in options.split(args.tabs, "--tabs"))
    if args.default_tab and args.default_tab not in parser.KNOWN_TABS:
        raise UsageError(f"unknown --default-tab {args.default_tab!r}; "
                         f"known: {', '.join(parser.KNOWN_TABS)}")
    single = len(args.paths) == 1 and Path(args.paths[0]).is_file()
    tabs = [t.strip().lower() for t in (args.tabs or "").split(",") if t.strip()] or None
    try:
        chapters = book.discover(args.paths, args.exclude, args.default_tab, tabs)
        book.parse_shard(args.shard)
    except book.BookError as exc:
        raise UsageError(str(exc)) from None
    if not chapters:
        raise UsageError("every chapter is excluded (--exclude)")
    _apply_tab_envs(args.tab_env)
    if single:      # one chapter: its problems are usage errors, found before anything is written
        command._select_tabs(command.load_chapter(args.paths[0], chapters[0].default_tab),
                             args.tabs)
    options.writable_folder(args.out)  # a bad --out is one line now, not after every cell
    return chapters, single


def _prepare_envs(b):
    """Build missing environments and doc extras once, before chapters race for them."""
    names = set()
    for bc in b.chapters:
        try:
            ch = command.load_chapter(str(bc.path), bc.default_tab)
        except UsageError:
            continue
        names |= {parser.tab_env(t) for t in _tabs_of(ch, bc, b.args) if t in parser.TAB_ENVS}
    for name in sorted(names):
        try:
            envs.ensure(name, progress=b.say)
            extras.ensure(name, progress=b.say)
        except (envs.EnvError, OSError, subprocess.SubprocessError) as exc:
            b.say(f"environment {name}: {exc} (its tabs will report it)")


def main(args) -> int:
    chapters, single = _validate(args)
    selected = book.shard(chapters, book.parse_shard(args.shard))
    b = Book(args, selected, single)
    b.say(f"{len(selected)} chapter(s)" + (f" (shard {args.shard} of {len(chapters)})"
                                           if args.shard else "") + f", {args.jobs} at a time")
    interrupted = False
    try:
        _prepare_envs(b)
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            pending = {pool.submit(run_chapter, b, bc) for bc in selected}
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    for fut in done:
                        _finish(b, fut.result())
            except KeyboardInterrupt:
                interrupted = True
                b.say("interrupted: stopping the running chapters; finished ones are kept")
                _stop_all(b)
                for fut in pending:
                    fut.cancel()
                for fut in [f for f in pending if not f.cancelled()]:
                    row = fut.result()
                    b.rows.setdefault(row["path"], row)
    except KeyboardInterrupt:
        interrupted = True
        _stop_all(b)
    doc = write_book(b, interrupted)
    if single and b.rows and next(iter(b.rows.values()))["report"]:
        chapter_doc = json.loads((b.out / "doc.json").read_text(encoding="utf-8"))
        print("\n".join(report.summary_lines(chapter_doc)))
    else:
        print("\n".join(bookreport.summary_lines(doc)))
    print(f"wrote {b.out / 'index.html'}, {b.out / 'book.json'} and {b.out / 'junit.xml'}"
          + (f" in {time.monotonic() - b.started:.1f} s" if not single else ""))
    return doc["exit_status"]
