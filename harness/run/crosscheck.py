"""Cross-check: a verdict per (case, output, backend, dtype) from the results of a run.

Each backend is compared with the case's reference (float64, compared in every
dtype) at tolerance(dtype, the backend's method), and every pair of backends at the
looser of their two tolerances. A backend that disagrees with most of the others
is named the odd one out (the reference included, so an all-frameworks-agree-but-
the-reference finding names "reference"). Pure standard library: the orchestrator
and `compare` both call `crosscheck()` on results as stored in run.json.
"""

import math
from collections import Counter

from harness.common.protocol import Array, ProtocolError
from harness.common.tolerances import compare, looser, tolerance, unravel
from harness.facts import REFERENCE, REFERENCE_DTYPE

VERDICTS = ("agree", "disagree", "unsupported", "error", "crashed", "timeout", "interrupted",
            "convention", "known", "changed")
# Most severe first: what a table cell shows when a case's outputs differ.
SEVERITY = ("interrupted", "crashed", "timeout", "error", "disagree", "changed", "unsupported",
            "known", "convention", "agree")
# Verdicts that do not fail a run: agreement, what an adapter declares it cannot do, and
# for convention cases valid answers that differ and recorded known answers.
PASSING = ("agree", "unsupported", "convention", "known")


def worst(verdicts) -> str:
    verdicts = set(verdicts)
    return next((v for v in SEVERITY if v in verdicts), "agree")


def _num(x):
    """A metric for JSON (allow_nan=False): non-finite values become strings."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else str(x)


def _tol(t):
    return None if t is None else {"rtol": t.rtol, "atol": t.atol}


def _decode(value, dtype: str):
    """(Array, None) for a valid output in `dtype`, else (Array or None, problem)."""
    if not isinstance(value, dict):
        return None, f"not an encoded value: {str(value)[:60]}"
    kind = value.get("python_type")
    if "data" not in value:
        what = kind or "value"
        return None, f"a {what} that cannot be read as an array ({value.get('repr', '')[:60]})"
    try:
        arr = Array.decode(value)
    except ProtocolError as exc:
        return None, str(exc)
    if kind:
        return arr, f"a {kind} where an array was declared (numpy array expected)"
    if arr.dtype != dtype:
        return arr, f"dtype {arr.dtype}, expected {dtype}"
    return arr, None


def _row(case, output, backend, dtype, verdict, detail="", method=None, cmp=None, tol=None):
    return {"case": case, "output": output, "backend": backend, "dtype": dtype,
            "verdict": verdict,
            "max_abs": _num(cmp.max_abs) if cmp else None,
            "max_rel": _num(cmp.max_rel) if cmp else None,
            "worst_index": list(cmp.worst_index) if cmp and cmp.worst_index is not None else None,
            "actual": _num(cmp.actual) if cmp else None,
            "expected": _num(cmp.expected) if cmp else None,
            "tolerance": _tol(tol), "method": method, "odd_one_out": None, "detail": detail}


def _status_detail(result) -> str:
    err = result.get("error") or {}
    text = f"{err.get('type', '')}: {err.get('message', '')}".strip(": ")
    return text or result["status"]


def _odd_ones(names, disagree) -> list[str]:
    """Participants that disagree with more than half of the others, if they are few."""
    n = len(names)
    if n < 3:
        return []
    odd = [p for p in names if sum((p, q) in disagree for q in names if q != p) > (n - 1) / 2]
    return sorted(odd) if 0 < len(odd) < n / 2 else []


def _nonfinite_everywhere(arrays: dict):
    """First index where every participant's value is NaN/Inf (same shape), else None."""
    shapes = {a.shape for a in arrays.values()}
    if len(arrays) < 2 or len(shapes) != 1:
        return None
    flats = [a.flat for a in arrays.values()]
    for i in range(len(flats[0])):
        vals = [f[i] for f in flats]
        if not any(math.isfinite(float(v)) for v in vals):
            return i, vals
    return None


def check_output(case, output, dtype, ref, backends: dict, ref_row=True, ref_note=""):
    """(verdicts, pairwise comparisons, findings) for one output in one dtype.

    ref: (Array|None, problem|None) of the reference; backends: name ->
    (Array|None, problem|None, method) for each backend whose result was ok;
    ref_row: whether to give the reference its own verdict (it was computed);
    ref_note: why the reference itself is in error although it is compared (NaN in it).
    """
    rows, pairs, findings = [], [], []
    ref_arr, ref_problem = ref
    valid = {b: (a, m) for b, (a, p, m) in backends.items() if p is None}
    tols = {b: tolerance(dtype, m) for b, (_, m) in valid.items()}
    disagree, vs_ref = set(), {}
    names = ([REFERENCE] if ref_problem is None else []) + list(valid)
    for i, p in enumerate(names):
        for q in names[i + 1:]:
            a, b = (valid[q][0], ref_arr) if p == REFERENCE else (valid[p][0], valid[q][0])
            tol = tols[q] if p == REFERENCE else looser(tols[p], tols[q])
            cmp = compare(a, b, tol)
            if p == REFERENCE:
                vs_ref[q] = (cmp, tol)
            if not cmp.ok:
                disagree |= {(p, q), (q, p)}
            pairs.append({"case": case, "output": output, "dtype": dtype,
                          "a": p if p != REFERENCE else q, "b": REFERENCE if p == REFERENCE else q,
                          "agree": cmp.ok, "max_abs": _num(cmp.max_abs),
                          "max_rel": _num(cmp.max_rel), "tolerance": _tol(tol),
                          "detail": "" if cmp.ok else cmp.describe()})
    odd = _odd_ones(names, disagree)
    odd_text = ", ".join(odd) or None

    if ref_row:
        if ref_problem is not None:
            rows.append(_row(case, output, REFERENCE, dtype, "error", f"reference: {ref_problem}",
                             REFERENCE))
        else:
            verdict = "disagree" if REFERENCE in odd else "agree"
            detail = "the frameworks agree with each other, not with the reference" \
                if verdict == "disagree" else ""
            if ref_note:
                verdict, detail = "error", f"reference: {ref_note}"
            rows.append(_row(case, output, REFERENCE, dtype, verdict, detail, REFERENCE))
    for b, (arr, problem, method) in backends.items():
        if problem is not None:
            rows.append(_row(case, output, b, dtype, "error", problem, method))
        elif ref_problem is not None:
            rows.append(_row(case, output, b, dtype, "error",
                             f"cannot cross-check: {ref_problem}", method))
        else:
            cmp, tol = vs_ref[b]
            rows.append(_row(case, output, b, dtype, "agree" if cmp.ok else "disagree",
                             "" if cmp.ok else cmp.describe(), method, cmp, tol))
    for r in rows:
        if r["verdict"] == "disagree":
            r["odd_one_out"] = odd_text

    arrays = {b: a for b, (a, p, _) in backends.items() if a is not None and p is None}
    if ref_arr is not None:
        arrays[REFERENCE] = ref_arr
    hit = _nonfinite_everywhere(arrays) if len(arrays) == len(backends) + ref_row else None
    if hit:
        i, vals = hit
        index = list(unravel(i, next(iter(arrays.values())).shape))
        findings.append({"kind": "non-finite-everywhere", "case": case, "output": output,
                         "dtype": dtype, "backend": None, "index": index,
                         "detail": f"non-finite at index {index} on every backend and the "
                                   f"reference ({', '.join(sorted({repr(v) for v in vals}))})"})
    return rows, pairs, findings


def _convention_rows(case, out, dtype, rule, outs, context) -> list:
    """Verdicts of a convention case's output: the rule stands in for the reference."""
    from harness.conventions.verdicts import judge
    rows, answers, methods = [], {}, {}
    for b, (arr, problem, method) in outs.items():
        if problem is not None:
            rows.append(_row(case, out, b, dtype, "error", problem, method))
        else:
            answers[b], methods[b] = [float(v) for v in arr.flat], method
    if answers:
        rows += judge(case, out, dtype, rule, answers, methods, context.get("versions", {}),
                      context.get("outcomes", {}))
    return rows


def crosscheck(results: list, case_order=None, context=None) -> dict:
    """{"verdicts", "pairwise", "findings", "summary"} for run.json-style results.

    context: {"rules": {case: {output: rule}}, "versions": {backend: version},
    "outcomes": recorded convention answers} for convention cases (harness.conventions).
    """
    context = context or {}
    rules = context.get("rules") or {}
    by_key = {(r["case"], r["backend"], r["dtype"]): r for r in results}
    order = list(dict.fromkeys(list(case_order or []) + [r["case"] for r in results]))
    backends = list(dict.fromkeys(r["backend"] for r in results if r["backend"] != REFERENCE))
    dtypes = sorted({r["dtype"] for r in results if r["backend"] != REFERENCE}) or [REFERENCE_DTYPE]
    verdicts, pairwise, findings = [], [], []
    for case in order:
        ref_result = by_key.get((case, REFERENCE, REFERENCE_DTYPE))
        ref_ok = ref_result is not None and ref_result["status"] == "ok"
        for dtype in dtypes:
            present = [b for b in backends if (case, b, dtype) in by_key]
            if not present and ref_result is None:
                continue
            oks = {b: by_key[(case, b, dtype)] for b in present
                   if by_key[(case, b, dtype)]["status"] == "ok"}
            if ref_ok:
                outputs = list(ref_result.get("outputs") or {})
            else:
                outputs = list(dict.fromkeys(k for r in oks.values() for k in r.get("outputs", {})))
            extra = [k for r in oks.values() for k in r.get("outputs", {}) if k not in outputs]
            outputs += list(dict.fromkeys(extra)) if ref_ok else []
            if ref_result is not None and not ref_ok:
                for out in outputs or ["*"]:
                    verdicts.append(_row(case, out, REFERENCE, dtype, ref_result["status"],
                                         f"reference: {_status_detail(ref_result)}"))
            for b in present:
                r = by_key[(case, b, dtype)]
                if r["status"] != "ok":
                    for out in outputs or ["*"]:
                        verdicts.append(_row(case, out, b, dtype, r["status"], _status_detail(r)))
            for out in outputs:
                note = ""
                if ref_result is None:
                    ref = (None, "no reference result")
                elif not ref_ok:
                    ref = (None, f"the reference {ref_result['status']}")
                elif out not in ref_result["outputs"]:
                    ref = (None, f"output {out!r} is not in the reference")
                else:
                    ref = _decode(ref_result["outputs"][out], REFERENCE_DTYPE)
                    if ref[1] is None and not all(math.isfinite(float(v)) for v in ref[0].flat):
                        note = "non-finite values in the reference"
                outs = {}
                for b, r in oks.items():
                    method = (r.get("methods") or {}).get(out)
                    if out not in r["outputs"]:
                        outs[b] = (None, f"output {out!r} missing", method)
                        continue
                    arr, problem = _decode(r["outputs"][out], dtype)
                    if problem is None and ref[0] is not None and arr.shape != ref[0].shape:
                        problem = f"shape {arr.shape}, expected {ref[0].shape}"
                    outs[b] = (arr, problem, method)
                if out in rules.get(case, {}):
                    verdicts += _convention_rows(case, out, dtype, rules[case][out], outs, context)
                    continue
                has_ref = ref_ok and out in ref_result["outputs"]
                rows, pairs, found = check_output(case, out, dtype, ref, outs, has_ref, note)
                verdicts += rows
                pairwise += pairs
                findings += found
    summary = Counter(v["verdict"] for v in verdicts)
    return {"verdicts": verdicts, "pairwise": pairwise, "findings": findings,
            "summary": {v: summary.get(v, 0) for v in VERDICTS}}
