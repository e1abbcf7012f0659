"""`harness doc-merge DIR...`: join the outputs of `harness doc --shard K/N` runs into one book.

Each folder holds a book.json and its chapters' report folders; the merged folder gets
every chapter's reports copied under chapters/ and one book.json, index.html and
junit.xml over all of them, as one run over the whole book would have written. A
chapter finished in one folder and interrupted in another counts as finished; the
same chapter finished twice is a usage error (the shards overlap).
"""

import json
import shutil
from pathlib import Path, PurePosixPath

from harness.cli import UsageError
from harness.doc import bookreport


def configure(p):
    p.add_argument("dirs", nargs="+", metavar="DIR", help="output folders of `harness doc` runs")
    p.add_argument("--out", default="results/doc", metavar="DIR",
                   help="folder for the merged book (default results/doc)")
    p.add_argument("--markdown", metavar="FILE",
                   help="append a chapters x tabs table to FILE (e.g. $GITHUB_STEP_SUMMARY)")


def load_book(folder: Path) -> dict:
    path = folder / "book.json" if folder.is_dir() else folder
    try:
        book = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise UsageError(f"{path}: no book.json (is it a `harness doc` output folder?)") from None
    except ValueError:
        raise UsageError(f"{path}: not JSON (truncated?)") from None
    if not isinstance(book, dict) or book.get("format") != bookreport.FORMAT:
        raise UsageError(f"{path}: not a {bookreport.FORMAT} file "
                         f"(format {book.get('format') if isinstance(book, dict) else '?'})")
    return book


def _copy_reports(row, src: Path, out: Path) -> dict:
    """Copy the chapter's report folder under out/chapters/; the row with the new paths."""
    target = PurePosixPath("chapters") / PurePosixPath(row["path"]).with_suffix("")
    link = row.get("report") or row.get("log")
    if link is None:
        return row
    source_dir = (src / link).parent
    if source_dir.resolve() != (out / target).resolve():
        shutil.rmtree(out / target, ignore_errors=True)
        (out / target).mkdir(parents=True, exist_ok=True)
        for item in source_dir.iterdir():
            if item.is_file():
                shutil.copy2(item, out / target / item.name)
            elif item.name == "figures":
                shutil.copytree(item, out / target / item.name)
    new = dict(row)
    for key in ("report", "log"):
        if row.get(key):
            new[key] = str(target / PurePosixPath(row[key]).name)
    return new


def merge(folders, out: Path) -> dict:
    rows, interrupted, argv = {}, False, []
    books = [load_book(folder) for folder in folders]
    for folder, book in zip(folders, books):
        interrupted = interrupted or book.get("interrupted", False)
        argv.append(book.get("argv"))
        for row in book["chapters"]:
            old = rows.get(row["path"])
            finished = row["status"] not in bookreport.UNFINISHED
            if old and finished and old[0]["status"] not in bookreport.UNFINISHED:
                raise UsageError(f"chapter {row['path']} was run in two of the folders "
                                 f"(overlapping shards?)")
            if old is None or finished:
                rows[row["path"]] = (row, folder)
    merged = [_copy_reports(row, folder, out) for row, folder in rows.values()]
    interrupted = interrupted or any(r["status"] == "interrupted" for r in merged)
    return bookreport.book_doc(merged, argv=argv, shard=None, options=books[0].get("options"),
                               interrupted=interrupted, harness_version=books[0].get("harness"))


def main(args) -> int:
    out = Path(args.out)
    book = merge([Path(d) for d in args.dirs], out)
    bookreport.write_all(book, out)
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as fh:
            fh.write(bookreport.markdown(book))
    print("\n".join(bookreport.summary_lines(book)))
    print(f"wrote {out / 'index.html'}, {out / 'book.json'} and {out / 'junit.xml'}")
    return book["exit_status"]
