"""`harness envs`: show, check, create or repair the backend environments;
`harness pytest`: run pytest in one."""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from harness import REPO_ROOT, envs
from harness.common import options


def _names(text: str | None, option: str = "--create") -> list[str]:
    known = sorted(envs.declared_groups())
    if text is None or text == "all":
        return known
    return options.choose(text, known, option, "environment(s)", options.backend_aliases())


def configure(p):
    p.add_argument("--create", nargs="?", const="all", metavar="NAMES",
                   help="build the environments not ready yet (missing, incomplete, stale) and "
                        "repair damaged ones, in parallel; comma-separated names, default all")
    p.add_argument("--check", action="store_true",
                   help="also import every pinned package in each environment (slower, "
                        "seconds per environment); a failure shows as damaged, exit 1")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.add_argument("--key", metavar="NAME",
                   help="print NAME's key (a hash of its Python and pins: a cache key for CI) "
                        "and exit")


def _create(names: list[str], deep: bool) -> list[str]:
    """Build the named environments in parallel; the error lines of those that failed."""
    def one(name):
        try:
            envs.ensure(name, deep=deep)
        except envs.EnvError as exc:
            return f"{name}: {exc}"
        return None
    with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
        return [e for e in pool.map(one, names) if e]


def _print_table(rows: list[dict]) -> None:
    print(f"{'name':<11} {'state':<11} {'python':<8} {'framework':<24} path")
    for r in rows:
        fw = f"{r['framework'] or '-'} {r['framework_version'] or ''}".strip()
        python = r["python"] or f"({r['python_wanted']})"
        print(f"{r['name']:<11} {r['state']:<11} {python:<8} {fw:<24} {r['path']}")
        for problem in r["problems"]:
            print(f"{'':<11} {problem}")


def main(args) -> int:
    if args.key:
        (name,) = _names(args.key, "--key")
        print(envs.env_key(name))
        return 0
    failed = _create(_names(args.create), args.check) if args.create is not None else []
    rows = [envs.status(n, deep=args.check) for n in _names(None)]
    try:
        if args.json:
            print(json.dumps(rows, indent=1))
        else:
            _print_table(rows)
        sys.stdout.flush()
    except BrokenPipeError:
        sys.stdout = None  # the reader left (`| head`): nothing more to say to it
    for line in failed:
        print(f"harness envs: error: {line}", file=sys.stderr)
    chosen = _names(args.create) if args.create is not None else [r["name"] for r in rows]
    bad = [r for r in rows if r["name"] in chosen and r["state"] == "damaged"]
    return 1 if failed or (args.check or args.create) and bad else 0


def configure_pytest(p):
    p.add_argument("backend", help="environment to run in (its backend is tested); "
                                   "an alias such as pytorch or tf is accepted")
    p.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")


def main_pytest(args) -> int:
    """Run pytest inside a backend's environment (creating it first) with --backend set."""
    (name,) = _names(args.backend, "pytest NAME")
    try:
        python = envs.ensure(name)
    except envs.EnvError as exc:
        print(f"harness pytest: error: {exc}", file=sys.stderr)
        return 1
    cmd = [str(python), "-m", "pytest", f"--backend={name}", *(args.pytest_args or ["tests"])]
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=False, cwd=REPO_ROOT, env=envs.worker_env()).returncode
