"""Verdicts for convention cases: valid answers, conventions, known answers, changes.

A convention case (cases/conventions/) has no reference value but a rule per
output: the set of valid answers. For one output in one dtype each backend gets:
- `disagree` when its answer is outside the valid set and was not recorded so;
- `known` when it is outside but cases/conventions/outcomes.tsv records that same
  answer (a framework's known bug must not keep CI red; its fix shows as `changed`);
- `changed` when it differs from the answer recorded for that backend;
- `convention` when the answers differ between backends but each is valid;
- `agree` when every backend gives the same answer.
Standard library only: the orchestrator and `compare` call it from the cross-check.
"""

import math

import cases

OUTCOMES_HEADER = ("case", "output", "dtype", "backend", "version", "answer")
OUTCOMES_PATH = cases.GROUPS["conventions"] / "outcomes.tsv"


# ---- answers as data --------------------------------------------------------------------

def as_json(values) -> list:
    """Floats for a JSON file that stays strict: NaN and Inf as the strings nan/inf/-inf."""
    return [v if math.isfinite(v) else str(v) for v in map(float, values)]


def from_json(values) -> list[float]:
    return [float(v) for v in values]


def text(values) -> str:
    """A short display of an answer: 0.5, 0.5 / nan / inf."""
    shown = [f"{v:.6g}" if math.isfinite(v) else str(v) for v in map(float, values)]
    return ", ".join(shown)


# ---- the rule ---------------------------------------------------------------------------

def _slack(tol, value) -> float:
    return tol.atol + tol.rtol * abs(value)


def _in_interval(rule, g, tol):
    for i, (v, lo, hi) in enumerate(zip(g, rule["low"], rule["high"])):
        if not lo - _slack(tol, lo) <= v <= hi + _slack(tol, hi):
            return f"component {i} = {text([v])} is outside [{lo:g}, {hi:g}]"
    return None


def _in_simplex(rule, g, tol):
    support = set(rule["support"])
    for i, v in enumerate(g):
        if i in support and v < -tol.atol:
            return f"component {i} = {text([v])} is negative"
        if i not in support and abs(v) > tol.atol:
            return f"component {i} = {text([v])} is not a tied entry, so must be 0"
    total = sum(g[i] for i in support)
    if abs(total - 1.0) > _slack(tol, 1.0):
        return f"the tied components sum to {text([total])}, not 1"
    return None


def _in_ball(rule, g, tol):
    norm = math.sqrt(sum(v * v for v in g))
    radius = rule["radius"]
    return None if norm <= radius + _slack(tol, radius) else \
        f"|g| = {text([norm])} is larger than {radius:g}"


def _is_point(rule, g, tol):
    expected = rule["value"]
    if all(abs(v - e) <= _slack(tol, e) for v, e in zip(g, expected)):
        return None
    return f"{text(g)} is not the derivative {text(expected)}"


def _in_set(rule, g, tol):
    if any(all(abs(v - e) <= _slack(tol, e) for v, e in zip(g, option))
           for option in rule["values"]):
        return None
    return f"{text(g)} is none of {' | '.join(text(o) for o in rule['values'])}"


_CHECKS = {"interval": _in_interval, "simplex": _in_simplex, "ball": _in_ball,
           "point": _is_point, "set": _in_set}


def outside(rule: dict, values: list[float], tol) -> str | None:
    """Why `values` is not a valid answer under `rule`, or None when it is."""
    if rule.get("kind") == "any":
        return None
    check = _CHECKS.get(rule.get("kind"))
    if check is None:
        return f"unknown rule kind {rule.get('kind')!r}"
    size = rule.get("size") or len(rule.get("low") or rule.get("value") or
                                   (rule.get("values") or [[]])[0]) or None
    if size is not None and rule["kind"] != "ball" and len(values) != size:
        return f"{len(values)} components, expected {size}"
    if not all(math.isfinite(v) for v in values):
        return f"{text(values)} is not a number there"
    return check(rule, values, tol)


def same(a: list[float], b: list[float], tol) -> bool:
    """Same answer: equal length, NaN where the other is NaN, equal infinities, else close."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if math.isnan(x) or math.isnan(y):
            if not (math.isnan(x) and math.isnan(y)):
                return False
        elif math.isinf(x) or math.isinf(y):
            if x != y:
                return False
        elif abs(x - y) > tol.atol + tol.rtol * abs(y):
            return False
    return True
