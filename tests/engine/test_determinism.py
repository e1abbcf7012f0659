"""Two runs with the same options: the same verdicts and the same numbers; seeds recorded.

Both runs recompute (--no-cache: the result cache would hand the second run the first
run's reference). The reference must repeat bit for bit (SymPy/mpmath at fixed points); a framework
within the tolerance of its dtype and method (harness.common.tolerances), although CPU
runs usually repeat exactly too. Every seed a case draws its inputs with, and the
run's own --seed, must be in run.json.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from faulty_backend import REPO, environment
from run_files import read_run_file

from harness.common.protocol import Array
from harness.common.tolerances import compare, tolerance

# a plain value, a gradient (reverse mode) and a Hessian, each with seeded random points
CASES = "chain_rule_forward,autograd_partials,hessian_quadratic"


def _env_python(name: str) -> Path:
    root = Path(os.environ.get("HARNESS_ENV_DIR") or REPO / ".envs")
    return root / name / "bin" / "python"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, numpy_python):
    backends = "numpy" + (",torch" if _env_python("torch").exists() else "")
    runs = []
    for i in range(2):
        out = tmp_path_factory.mktemp(f"det{i}")
        result = subprocess.run(
            [sys.executable, "-m", "harness", "run", "--backends", backends, "--cases", CASES,
             "--seed", "1234", "--no-cache", "--out", str(out)], cwd=REPO, env=environment(REPO),
            capture_output=True, text=True, timeout=600, check=False)
        # a disagreement is a finding for other tests; here it must merely repeat
        assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-2000:]
        runs.append(read_run_file(out))
    return runs


def _key(v):
    return v["case"], v["output"], v["backend"], v["dtype"]


def test_same_verdicts(two_runs):
    first, second = ({_key(v): (v["verdict"], v["odd_one_out"], v["detail"])
                      for v in run["verdicts"]} for run in two_runs)
    assert first == second and first
    assert two_runs[0]["summary"] == two_runs[1]["summary"]
    first, second = ({k: v for k, v in run["options"].items() if k != "out"}
                     for run in two_runs)
    assert first == second


def test_reference_is_bit_for_bit_and_backends_within_tolerance(two_runs):
    first, second = ({(r["case"], r["backend"], r["dtype"]): r for r in run["results"]}
                     for run in two_runs)
    assert first.keys() == second.keys()
    compared = 0
    for key, a in first.items():
        b = second[key]
        assert a["status"] == b["status"]
        assert (a["error"] or {}).get("message") == (b["error"] or {}).get("message")
        assert a["outputs"].keys() == b["outputs"].keys()
        assert a["methods"] == b["methods"]
        for name, value in a["outputs"].items():
            if key[1] == "reference":
                assert value == b["outputs"][name], f"reference {key} {name} changed"
                continue
            x, y = Array.decode(value), Array.decode(b["outputs"][name])
            tol = tolerance(key[2], a["tolerance_classes"][name])
            cmp = compare(x, y, tol)
            assert cmp.ok, f"{key} {name}: {cmp.describe()} ({tol})"
            compared += 1
    assert compared


def _seeds_in(obj, path=()):
    """(dotted path, value) of every key naming a seed, at any depth of a case's inputs."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if "seed" in str(k).lower() and isinstance(v, int):
                yield ".".join((*path, str(k))), v
            else:
                yield from _seeds_in(v, (*path, str(k)))


def test_seeds_are_recorded(two_runs):
    run = two_runs[0]
    assert run["seeds"]["run"] == 1234
    assert run["options"]["seed"] == 1234
    recorded = run["seeds"].get("cases", {})
    for case in run["cases"]:
        for path, value in _seeds_in(case.get("inputs")):
            assert value in recorded.get(case["id"], {}).values(), (
                f"{case['id']}: inputs seed {path}={value} missing from run.json seeds "
                f"{recorded.get(case['id'])}")
