"""The orchestrator's process imports no framework and no numpy, even where they exist.

The engine environment has no numpy, so every real command run by the engine tests
already fails if the orchestrator needs one; this test also catches an import that
would silently succeed on a machine that has numpy, by running the command modules
under an interpreter that has it (the numpy environment).
"""

import subprocess

import pytest

from harness import REPO_ROOT, envs
from harness.facts import FRAMEWORK_MODULES

# The naming rule: code that runs inside a backend environment lives in a package named
# `worker` (harness/<command>/worker/) or in the d2l shim; every other module is the
# orchestrator's. harness.__main__ is skipped only because importing it runs the CLI.
WORKER_SIDE_RULE = ("'.worker.' in m.name + '.'"
                    " or m.name.startswith(('harness.__main__', 'harness.d2l_shim'))")
HEAVY = (*(m for mods in FRAMEWORK_MODULES.values() for m in mods), "matplotlib", "sympy")


def test_command_modules_import_no_framework():
    if envs.status("numpy")["state"] != "ready":
        pytest.fail("needs the numpy environment: python -m harness envs --create numpy")
    code = (
        "import sys, pkgutil, harness, harness.cli, backends, cases\n"
        "names = [m.name for m in pkgutil.walk_packages(harness.__path__, 'harness.')\n"
        f"         if not ({WORKER_SIDE_RULE})]\n"
        "assert len(names) > 20, names\n"
        "for name in names: __import__(name)\n"
        "harness.cli.build_parser(); backends.available(); cases.case_index()\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([str(envs.env_python("numpy")), "-c", code], cwd=REPO_ROOT,
                         env=envs.worker_env(), capture_output=True, text=True, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"the orchestrator imported {out.stdout.strip()}"
