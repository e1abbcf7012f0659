"""Convention cases in this environment's backend: the recorded answer still holds, and
each rule agrees with what plain NumPy difference quotients say about the function.

The first test is how a framework upgrade shows up in `tox -e NAME`: an answer that
differs from cases/conventions/outcomes.tsv for this backend's version fails here,
as `changed` does in `harness run`.
"""

import pytest

import cases

np = pytest.importorskip("numpy")

from harness.common.tolerances import tolerance
from harness.conventions import outside, same
from harness.conventions.verdicts import load_outcomes

IDS = [e["id"] for e in cases.case_index(groups=("conventions",))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case_id", IDS)
def test_answer_is_the_recorded_one(be, case_id, dtype):
    case = cases.load(case_id)
    be.reset_used_methods()
    out = case.compute(be, dtype)
    methods = be.used_methods()
    recorded = load_outcomes()[case_id]
    for name, value in out.items():
        by_version = recorded[name][dtype].get(be.name)
        assert by_version, f"{case_id} {name}: nothing recorded for {be.name}"
        version = be.version if be.version in by_version else list(by_version)[-1]
        method = "; ".join(methods.get(case.ops.get(name), [])) or None
        tol = tolerance(dtype, method)
        answer = [float(v) for v in np.asarray(value).reshape(-1)]
        assert same(answer, by_version[version], tol), (
            f"{case_id} {name} [{dtype}]: {be.name} {be.version} answers {answer}, recorded "
            f"{by_version[version]} with {version}: harness conventions record RUN")


@pytest.mark.parametrize("case_id", IDS)
def test_rule_matches_difference_quotients(case_id):
    """Interval ends are the one-sided quotients; a point rule is the two-sided one;
    a tie's rule holds the even split, whose quotient is the directional derivative."""
    case = cases.load(case_id)
    rule = case.rules()["grad"]
    f = case.scalar_function
    if f is None:
        pytest.skip(f"{case_id} has no single scalar function")
    at = np.asarray(case.inputs["at"], dtype=np.float64)
    h = 1e-7
    tol = tolerance("float64", "numerical")
    with np.errstate(all="ignore"):
        base = f(np, at)
        right = [(f(np, at + h * e) - base) / h for e in np.eye(at.size)]
        left = [(base - f(np, at - h * e)) / h for e in np.eye(at.size)]
    kind = rule["kind"]
    if kind == "interval":
        assert [min(left[0], right[0]), max(left[0], right[0])] == pytest.approx(
            [rule["low"][0], rule["high"][0]], abs=1e-6)
    elif kind == "point":
        assert outside(rule, [(a + b) / 2 for a, b in zip(left, right)], tol) is None
    elif kind == "simplex":
        support = rule["support"]
        even = np.zeros(at.size)
        even[support] = 1.0 / len(support)
        assert outside(rule, list(even), tol) is None
        direction = np.zeros(at.size)
        direction[support] = 1.0  # moving every tied entry up moves the max by the same
        quotient = (f(np, at + h * direction) - base) / h
        assert quotient == pytest.approx(float(even @ direction), abs=1e-6)
    elif kind == "ball":
        assert outside(rule, [0.0] * at.size, tol) is None
        assert outside(rule, [1.5] + [0.0] * (at.size - 1), tol) is not None
    else:
        assert kind == "any"
