"""`harness envs`: show or create the backend environments; `harness pytest`: test in one."""

import json
import os
import subprocess
import sys

from harness import REPO_ROOT, envs
from harness.common import options


def _names(text: str | None, option: str = "--create") -> list[str]:
    known = sorted(envs.declared_groups())
    if text is None or text == "all":
        return known
    return options.choose(text, known, option, "environment(s)", options.backend_aliases())


def configure(p):
    p.add_argument("--create", nargs="?", const="all", metavar="NAMES",
                   help="create (or repair) these environments, comma-separated; default all")
    p.add_argument("--json", action="store_true", help="print the table as JSON")


def main(args) -> int:
    if args.create is not None:
        for name in _names(args.create):
            try:
                envs.ensure(name)
            except envs.EnvError as exc:  # pip's own words are in the message: one clear error
                print(f"harness envs: error: {exc}", file=sys.stderr)
                return 1
    rows = [envs.status(n) for n in _names(None)]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'name':<11} {'state':<11} {'python':<8} {'framework':<24} path")
    for r in rows:
        fw = f"{r['framework'] or '-'} {r['framework_version'] or ''}".strip()
        print(f"{r['name']:<11} {r['state']:<11} {r['python'] or '-':<8} {fw:<24} {r['path']}")
    return 0


def configure_pytest(p):
    p.add_argument("backend", help="environment to run in (its backend is tested)")
    p.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")


def main_pytest(args) -> int:
    """Run pytest inside a backend's environment (creating it first) with --backend set."""
    (name,) = _names(args.backend, "pytest NAME")
    python = envs.ensure(name)
    cmd = [str(python), "-m", "pytest", f"--backend={name}", *(args.pytest_args or ["tests"])]
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=False, cwd=REPO_ROOT, env=envs.worker_env()).returncode


if os.name != "posix":  # pragma: no cover - fcntl is POSIX-only
    raise ImportError("harness environments need a POSIX system")
