"""Mutation score of the last `mutmut run`: killed / all mutants, per module and in total.

Run by `tox -e mutation` after `mutmut run`. Prints one line per module, the total,
and every mutant that was not killed (its name and its diff with --diffs); exits 1
when the total is under --min percent. A mutant with no test is counted as
surviving: code that no fast test reaches is not guarded. Mutants left "not checked"
(outside the names `mutmut run` was given) are counted apart, not in the score.
docs/mutation.md records the score and explains the survivors.
"""

import argparse
import subprocess
import sys
from collections import Counter, defaultdict


def mutmut(*args) -> str:
    return subprocess.run([sys.executable, "-m", "mutmut", *args], capture_output=True,
                          text=True, check=True).stdout


def statuses() -> dict:
    out = {}
    for line in mutmut("results", "--all", "true").splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            out[name] = status
    return out


def module_of(name: str) -> str:
    return name.split(".x_")[0].split(".xǁ")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=float, default=90.0, help="lowest total %% killed")
    parser.add_argument("--diffs", action="store_true", help="show each survivor's diff")
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
    for module, counts in sorted(per.items()):
        total = sum(counts.values())
        print(f"{module:32} {counts['killed']:5} / {total:5} killed "
              f"({100 * counts['killed'] / total:5.1f} %)  "
              + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s != "killed"))
    killed = sum(c["killed"] for c in per.values())
    score = 100 * killed / len(found)
    print(f"{'total':32} {killed:5} / {len(found):5} killed ({score:5.1f} %)")
    survivors = sorted(n for n, s in found.items() if s != "killed")
    for name in survivors:
        print(f"not killed: {name}: {found[name]}")
        if args.diffs:
            print("\n".join(ln for ln in mutmut("show", name).splitlines()
                            if ln.startswith(("-", "+")) and not ln.startswith(("---", "+++"))))
    if score < args.min:
        print(f"mutation score {score:.1f} % is under {args.min:g} %", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
