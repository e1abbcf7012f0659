"""Every case against its reference, in this environment's backend, in both dtypes.

Tolerances come only from harness.common.tolerances, chosen per output by the tolerance
class the adapter declares for the method it really used for the derivative op that
produced it (`be.used_methods()`, `be.method_class`).
A framework that genuinely disagrees is listed in FINDINGS with what was measured
and marked xfail(strict=True): the finding stays visible, and the test fails as
soon as the framework (or its adapter) changes behaviour.
"""

import pytest

import cases

np = pytest.importorskip("numpy")

from harness.common.tolerances import compare, looser, tolerance

CASE_IDS = [entry["id"] for entry in cases.case_index(groups=("chapter",))]

# (backend, case, dtype) -> what was measured, for a framework that genuinely
# disagrees; each such test is xfail(strict=True). Empty now. Found by these cases
# and worked around (and tested) in the adapters, so no longer failing here:
# - TF 2.21: tf.experimental.numpy.linspace ignores dtype="float32", returns float64
#   (quadratic_approximation's grid came back float64);
# - torch 2.13: torch.func.jvp(torch.func.grad(f)) returns a float64 tangent for
#   float32 inputs when f has python-float * x[i] (hessian_quadratic's hvp0).
FINDINGS: dict[tuple[str, str, str], str] = {}

_computed: dict = {}


def computed(be, case_id: str, dtype: str):
    """(outputs, used methods) of one case on `be`, computed once per session."""
    key = (be.name, case_id, dtype)
    if key not in _computed:
        be.reset_used_methods()
        out = cases.load(case_id).compute(be, dtype)
        _computed[key] = (out, be.used_methods())
    return _computed[key]


def output_tolerance(be, case, name: str, used: dict, dtype: str):
    """The tolerance of one output: by dtype, and by the tolerance class the adapter
    declares for each method its op really used."""
    if name not in case.ops:
        return tolerance(dtype)
    op = case.ops[name]
    assert used.get(op), f"{case.id}: output {name!r} is declared as {op!r}, never called"
    tol = tolerance(dtype, be.method_class(used[op][0]))
    for method in used[op][1:]:
        tol = looser(tol, tolerance(dtype, be.method_class(method)))
    return tol


def disagreements(be, case, out: dict, used: dict, dtype: str) -> list[str]:
    ref = case.reference()
    found = []
    for name in case.outputs:
        tol = output_tolerance(be, case, name, used, dtype)
        result = compare(out[name], ref[name], tol)
        if not result.ok:
            found.append(f"{name}: {result.describe()} (tolerance {tol})")
    return found


def _mark_findings(request, be, case_id, dtype):
    reason = FINDINGS.get((be.name, case_id, dtype))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_case_agrees_with_reference(be, case_id, dtype, request):
    _mark_findings(request, be, case_id, dtype)
    case = cases.load(case_id)
    out, used = computed(be, case_id, dtype)
    assert disagreements(be, case, out, used, dtype) == []


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_outputs_match_reference_keys_and_shapes(be, case_id, dtype, request):
    _mark_findings(request, be, case_id, dtype)
    case = cases.load(case_id)
    out, _ = computed(be, case_id, dtype)
    ref = case.reference()
    assert list(out) == list(case.outputs) and list(ref) == list(case.outputs)
    assert {k: v.shape for k, v in out.items()} == {k: v.shape for k, v in ref.items()}
    assert all(v.dtype == np.dtype(dtype) for v in out.values())
    assert all(v.dtype == np.float64 and np.all(np.isfinite(v)) for v in ref.values())


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_hessian_is_symmetric(be, case_id, dtype):
    """Mixed partials commute: each Hessian a case computes equals its transpose.

    Uses the raw outputs (no dtype check), so a dtype finding does not hide this one.
    """
    case = cases.load(case_id)
    be.reset_used_methods()
    out = {k: np.asarray(v) for k, v in case.compute_fn(be, dtype).items()}
    used = be.used_methods()
    for name in case.outputs:
        value = out[name]
        if "hessian" not in name or value.ndim < 2 or value.shape[-1] != value.shape[-2]:
            continue
        tol = output_tolerance(be, case, name, used, dtype)
        result = compare(value, np.swapaxes(value, -1, -2), tol)
        assert result.ok, f"{name} is not symmetric: {result.describe()}"


def test_observed_taylor_orders_are_the_documented_ones_in_every_dtype(be, dtype):
    """The docstring's orders (two decimals) hold for what each backend computes too."""
    from test_case_references import documented_orders

    out, _ = computed(be, "taylor_error_order", dtype)
    orders, half_digit = documented_orders()
    assert np.all(np.abs(out["observed_order"] - orders) <= half_digit), out["observed_order"]


def test_cases_5_6_7_agree_with_each_other(be, dtype):
    """The forward chain rule, backpropagation by hand and autograd give the same partials."""
    fwd, _ = computed(be, "chain_rule_forward", dtype)
    back, _ = computed(be, "backpropagation_by_hand", dtype)
    auto, used = computed(be, "autograd_partials", dtype)
    tol = output_tolerance(be, cases.load("autograd_partials"), "df_dw", used, dtype)
    for name in ("df_dw", "df_dx", "df_dy", "df_dz"):
        assert compare(auto[name], back[name], tol).ok, name
    assert compare(auto["df_dw"], fwd["df_dw"], tol).ok
    assert compare(auto["f"], fwd["f"], tolerance(dtype)).ok


class _SkewedGradients:
    """A backend whose gradients are 2% too large: what a broken adapter would give."""

    factor = 1.02  # beyond every tolerance, numerical float32 included (5e-3)

    def __init__(self, be):
        self._be = be

    def __getattr__(self, attr):
        return getattr(self._be, attr)

    def _skew(self, g):
        return tuple(x * self.factor for x in g) if isinstance(g, tuple) else g * self.factor

    def grad(self, f, argnums=0):
        inner = self._be.grad(f, argnums)
        return lambda *args: self._skew(inner(*args))

    def value_and_grad(self, f, argnums=0):
        inner = self._be.value_and_grad(f, argnums)

        def skewed(*args):
            value, g = inner(*args)
            return value, self._skew(g)
        return skewed


def test_wrong_gradients_are_rejected(be, dtype):
    skewed = _SkewedGradients(be)
    for case_id, must_fail in [
            ("first_order_approximation", {"grad0", "random_grad"}),
            ("taylor_error_order", {"taylor_remainder", "observed_order", "random_grad"}),
            ("autograd_partials", {"df_dw", "df_dx", "df_dy", "df_dz", "random_grad"})]:
        case = cases.load(case_id)
        be.reset_used_methods()
        out = case.compute(skewed, dtype)
        found = disagreements(be, case, out, be.used_methods(), dtype)
        rejected = {line.split(":")[0] for line in found}
        # the skewed gradients are caught; values that need no gradient still agree
        assert must_fail <= rejected <= set(case.ops), (case_id, found)


def test_an_output_from_a_derivative_call_must_declare_its_op(be, dtype):
    """Without "random_d2f": "hessian" in its ops, critical_points would hold a Hessian
    to the plain-value tolerance (NUMERICAL on some backends): a case-definition error."""
    import dataclasses

    from cases.base import CaseDefinitionError

    case = cases.load("critical_points")
    copy = dataclasses.replace(case, ops={k: v for k, v in case.ops.items()
                                          if k != "random_d2f"})
    with pytest.raises(CaseDefinitionError, match="add 'random_d2f': 'hessian' to the case's"):
        copy.compute(be, dtype)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_case_without_its_ops_is_rejected(be, case_id):
    """Each case's derivative outputs are traced: dropping all its ops names some of them."""
    import dataclasses

    from cases.base import CaseDefinitionError

    case = cases.load(case_id)
    if not case.ops:
        pytest.skip(f"{case_id} calls no derivative")
    with pytest.raises(CaseDefinitionError, match="not declared in ops"):
        dataclasses.replace(case, ops={}).compute(be, "float64")
