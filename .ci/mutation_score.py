"""Mutation score of the last `mutmut run`, and a check that every survivor is explained.

Run by `tox -e mutation` after `mutmut run`. Prints one line per module and the total
(killed / all mutants; a mutant no fast test reaches counts as not killed: that code is
not guarded). Every mutant not killed must be explained in docs/mutation-explained/
MODULE.txt as equivalent (or as not worth a test, with the reason); the entry names the
function and a hash of the mutated lines, not mutmut's running number, so it survives
edits elsewhere in the function. Exits 1 when the score is under --min or a survivor is
unexplained; `--template` prints an entry, with its diff, for each unexplained survivor.
Mutants outside the names `mutmut run` was given ("not checked") are not counted.
"""

import argparse
import hashlib
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

EXPLAINED = Path(__file__).resolve().parent.parent / "docs" / "mutation-explained"


def statuses() -> dict:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                         capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            found[name] = status
    return found


def module_of(name: str) -> str:
    return name.split(".x_")[0].split(".xǁ")[0]


def function_of(name: str) -> str:
    return name.rpartition("__mutmut_")[0]


def changed_lines(name: str) -> list[str]:
    """The mutant's removed and added lines (mutmut's own diff, read in process)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    return [ln for ln in get_diff_for_mutant(name).splitlines()
            if ln.startswith(("-", "+")) and not ln.startswith(("---", "+++"))]


def key_of(name: str) -> str:
    """`function hash`: what an explanation is filed under."""
    digest = hashlib.sha1("\n".join(changed_lines(name)).encode()).hexdigest()[:12]
    return f"{function_of(name)} {digest}"


def explanations() -> dict:
    """{`function hash`: reason} from docs/mutation-explained/*.txt (`#` lines are notes)."""
    found = {}
    for path in sorted(EXPLAINED.glob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            function, digest, *reason = line.split(maxsplit=2)
            if not reason or reason[0].strip() in ("", "REASON"):
                sys.exit(f"{path.name}:{number}: an entry needs a reason: {line!r}")
            found[f"{function} {digest}"] = reason[0].strip()
    return found


def print_scores(per: dict) -> float:
    for module, counts in sorted(per.items()):
        total = sum(counts.values())
        print(f"{module:32} {counts['killed']:5} / {total:5} killed "
              f"({100 * counts['killed'] / total:5.1f} %)  "
              + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s != "killed"))
    killed = sum(c["killed"] for c in per.values())
    everything = sum(sum(c.values()) for c in per.values())
    score = 100 * killed / everything
    print(f"{'total':32} {killed:5} / {everything:5} killed ({score:5.1f} %)")
    return score


def template(name: str, status: str) -> str:
    diff = "\n".join(f"#   {ln}" for ln in changed_lines(name))
    return f"# {name} ({status})\n{diff}\n{key_of(name)} REASON"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=float, default=90.0, help="lowest total %% killed")
    parser.add_argument("--template", action="store_true",
                        help="print an entry (with its diff) for each unexplained survivor")
    parser.add_argument("--diffs", action="store_true",
                        help="print every survivor's diff and explanation")
    args = parser.parse_args()
    everything = statuses()
    found = {n: s for n, s in everything.items() if s != "not checked"}
    print(f"{len(everything) - len(found)} mutants not checked (outside this run's names)")
    if not found:
        print("no mutants found: run `python -m mutmut run` first", file=sys.stderr)
        return 2
    per = defaultdict(Counter)
    for name, status in found.items():
        per[module_of(name)][status] += 1
    score = print_scores(per)
    reasons = explanations()
    survivors = sorted(n for n, s in found.items() if s != "killed")
    keys = {n: key_of(n) for n in survivors}
    unexplained = [n for n in survivors if keys[n] not in reasons]
    checked = {module_of(n) for n in found}   # a run of some modules says nothing of others
    stale = {k for k in set(reasons) - set(keys.values()) if module_of(k.split()[0]) in checked}
    if stale:
        print(f"{len(stale)} explanations match no survivor (killed now, or the code changed; "
              "remove them): " + ", ".join(sorted(stale)))
    print(f"{len(survivors) - len(unexplained)} survivors explained "
          f"(docs/mutation-explained/), {len(unexplained)} unexplained")
    for name in survivors if args.diffs else []:
        print(template(name, found[name]).replace("REASON", reasons.get(keys[name], "REASON")))
    for name in unexplained:
        print(template(name, found[name]) if args.template
              else f"unexplained: {name}: {found[name]}")
    failed = False
    if score < args.min:
        print(f"mutation score {score:.1f} % is under {args.min:g} %", file=sys.stderr)
        failed = True
    if unexplained:
        print(f"{len(unexplained)} survivors are neither killed nor explained "
              "(--template prints entries to fill in)", file=sys.stderr)
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
