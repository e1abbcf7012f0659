"""Cross-check: a verdict per (case, output, backend, dtype) from the results of a run.

Each backend is compared with the case's reference (float64, compared in every
dtype) at tolerance(dtype, the output's tolerance class as its worker reported it), and every pair of backends at the
looser of their two tolerances. A backend that disagrees with most of the others
is named the odd one out (the reference included, so an all-frameworks-agree-but-
the-reference finding names "reference"). Pure standard library: the orchestrator
and `compare` both call `crosscheck()` on results as stored in run.json.
"""

import math
from collections import Counter

from harness.common.protocol import Array, ProtocolError
from harness.common.tolerances import compare, looser, tolerance, unravel
from harness.facts import REFERENCE, REFERENCE_DTYPE, TOLERANCE_CLASSES

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


def _row(case, output, backend, dtype, verdict, detail, method=None, cmp=None, tol=None,
         kind=None):
    return {"case": case, "output": output, "backend": backend, "dtype": dtype,
            "verdict": verdict,
            "max_abs": _num(cmp.max_abs) if cmp else None,
            "max_rel": _num(cmp.max_rel) if cmp else None,
            "worst_index": list(cmp.worst_index) if cmp and cmp.worst_index is not None else None,
            "actual": _num(cmp.actual) if cmp else None,
            "expected": _num(cmp.expected) if cmp else None,
            "tolerance": _tol(tol), "method": method, "tolerance_class": kind,
            "odd_one_out": None, "detail": detail}


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


def _compare_pairs(case, output, dtype, ref_arr, valid: dict, tols: dict, names: list):
    """(pairwise rows, {backend: (comparison, tolerance) against the reference},
    the set of disagreeing pairs) for every pair of `names`."""
    pairs, vs_ref, disagree = [], {}, set()
    for i, p in enumerate(names):
        for q in names[i + 1:]:
            a, b = (valid[q], ref_arr) if p == REFERENCE else (valid[p], valid[q])
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
    return pairs, vs_ref, disagree


def _reference_row(case, output, dtype, ref_problem, ref_note, odd) -> dict:
    if ref_problem is not None:
        return _row(case, output, REFERENCE, dtype, "error", f"reference: {ref_problem}",
                    REFERENCE)
    verdict = "disagree" if REFERENCE in odd else "agree"
    detail = "the frameworks agree with each other, not with the reference" \
        if verdict == "disagree" else ""
    if ref_note:
        verdict, detail = "error", f"reference: {ref_note}"
    return _row(case, output, REFERENCE, dtype, verdict, detail, REFERENCE)


def _everywhere_finding(case, output, dtype, ref_arr, backends: dict, ref_row) -> list:
    """The finding when every backend and the reference are non-finite at one index."""
    arrays = {b: a for b, (a, p, _, _) in backends.items() if a is not None and p is None}
    if ref_arr is not None:
        arrays[REFERENCE] = ref_arr
    hit = _nonfinite_everywhere(arrays) if len(arrays) == len(backends) + ref_row else None
    if not hit:
        return []
    i, vals = hit
    index = list(unravel(i, next(iter(arrays.values())).shape))
    where = "every backend and the reference" if REFERENCE in arrays else "every backend"
    return [{"kind": "non-finite-everywhere", "case": case, "output": output,
             "dtype": dtype, "backend": None, "index": index,
             "detail": f"non-finite at index {index} on {where} "
                       f"({', '.join(sorted({repr(v) for v in vals}))})"}]


def check_output(case, output, dtype, ref, backends: dict, ref_row: bool, ref_note: str):
    """(verdicts, pairwise comparisons, findings) for one output in one dtype.

    ref: (Array|None, problem|None) of the reference; backends: name ->
    (Array|None, problem|None, method, tolerance class) for each backend whose result
    was ok;
    ref_row: whether to give the reference its own verdict (it was computed);
    ref_note: why the reference itself is in error although it is compared (NaN in it).
    """
    ref_arr, ref_problem = ref
    valid = {b: a for b, (a, p, _, _) in backends.items() if p is None}
    tols = {b: tolerance(dtype, k) for b, (_, p, _, k) in backends.items() if p is None}
    names = ([REFERENCE] if ref_problem is None else []) + list(valid)
    pairs, vs_ref, disagree = _compare_pairs(case, output, dtype, ref_arr, valid, tols, names)
    odd = _odd_ones(names, disagree)
    rows = [_reference_row(case, output, dtype, ref_problem, ref_note, odd)] if ref_row else []
    for b, (_, problem, method, kind) in backends.items():
        if problem is not None:
            rows.append(_row(case, output, b, dtype, "error", problem, method))
        elif ref_problem is not None:
            rows.append(_row(case, output, b, dtype, "error",
                             f"cannot cross-check: {ref_problem}", method))
        else:
            cmp, tol = vs_ref[b]
            rows.append(_row(case, output, b, dtype, "agree" if cmp.ok else "disagree",
                             "" if cmp.ok else cmp.describe(), method, cmp, tol, kind))
    for r in rows:
        if r["verdict"] == "disagree":
            r["odd_one_out"] = ", ".join(odd) or None
    return rows, pairs, _everywhere_finding(case, output, dtype, ref_arr, backends, ref_row)


def _reference_for(ref_result, ref_ok, out) -> tuple:
    """((Array|None, problem|None), note) of the reference's value of `out`."""
    if ref_result is None:
        return (None, "no reference result"), ""
    if not ref_ok:
        return (None, f"the reference {ref_result['status']}"), ""
    if out not in ref_result["outputs"]:
        return (None, f"output {out!r} is not in the reference"), ""
    ref = _decode(ref_result["outputs"][out], REFERENCE_DTYPE)
    if ref[1] is None and not all(math.isfinite(float(v)) for v in ref[0].flat):
        return ref, "non-finite values in the reference"
    return ref, ""


def _backend_value(r: dict, out, dtype, ref_arr, judged_by_rule: bool) -> tuple:
    """(Array|None, problem|None, method, tolerance class) of one backend's output; a
    convention output (judged by its rule, no tolerance) needs no tolerance class."""
    method = (r.get("methods") or {}).get(out)
    classes = r.get("tolerance_classes")
    kind = classes.get(out) if isinstance(classes, dict) else None
    if out not in r["outputs"]:
        return None, f"output {out!r} missing", method, kind
    arr, problem = _decode(r["outputs"][out], dtype)
    if problem is None and ref_arr is not None and arr.shape != ref_arr.shape:
        problem = f"shape {arr.shape}, expected {ref_arr.shape}"
    if problem is None and kind not in TOLERANCE_CLASSES and not judged_by_rule:
        problem = f"no tolerance class for output {out!r} (got {kind!r})"
    return arr, problem, method, kind


def _outputs(ref_result, ref_ok, oks: dict) -> list:
    """The outputs to check: the reference's (then any extra a backend sent), else theirs."""
    if ref_ok:
        outputs = list(ref_result.get("outputs") or {})
    else:
        outputs = list(dict.fromkeys(k for r in oks.values() for k in r["outputs"]))
    extra = [k for r in oks.values() for k in r["outputs"] if k not in outputs]
    return outputs + list(dict.fromkeys(extra))   # none when every output came from oks


def _check_case_dtype(case, dtype, ref_result, present: dict, out_lists, context) -> None:
    """Append the verdicts, pairs and findings of one case in one dtype to `out_lists`."""
    rules = (context.get("rules") or {}).get(case, {})
    verdicts, pairwise, findings = out_lists
    ref_ok = ref_result is not None and ref_result["status"] == "ok"
    oks = {b: r for b, r in present.items() if r["status"] == "ok"}
    outputs = _outputs(ref_result, ref_ok, oks)
    if ref_result is not None and not ref_ok:
        for out in outputs or ["*"]:
            verdicts.append(_row(case, out, REFERENCE, dtype, ref_result["status"],
                                 f"reference: {_status_detail(ref_result)}"))
    for b, r in present.items():
        if r["status"] != "ok":
            for out in outputs or ["*"]:
                verdicts.append(_row(case, out, b, dtype, r["status"], _status_detail(r)))
    for out in outputs:
        ref, note = _reference_for(ref_result, ref_ok, out)
        outs = {b: _backend_value(r, out, dtype, ref[0], out in rules) for b, r in oks.items()}
        if out in rules:
            verdicts += _convention_rows(case, out, dtype, rules[out], outs, context)
            continue
        has_ref = ref_ok and out in ref_result["outputs"]
        rows, pairs, found = check_output(case, out, dtype, ref, outs, has_ref, note)
        verdicts += rows
        pairwise += pairs
        findings += found


def _convention_rows(case, out, dtype, rule, outs, context) -> list:
    """Verdicts of a convention case's output: the rule stands in for the reference."""
    from harness.conventions.verdicts import judge
    rows, answers, methods, classes = [], {}, {}, {}
    for b, (arr, problem, method, kind) in outs.items():
        if problem is not None:
            rows.append(_row(case, out, b, dtype, "error", problem, method))
        else:
            answers[b], methods[b], classes[b] = [float(v) for v in arr.flat], method, kind
    if answers:
        rows += judge(case, out, dtype, rule, answers, methods, context.get("versions", {}),
                      context.get("outcomes", {}), classes)
    return rows


def crosscheck(results: list, case_order=None, context=None) -> dict:
    """{"verdicts", "pairwise", "findings", "summary"} for run.json-style results.

    context: {"rules": {case: {output: rule}}, "versions": {backend: version},
    "outcomes": recorded convention answers} for convention cases (harness.conventions).
    """
    context = context or {}
    by_key = {(r["case"], r["backend"], r["dtype"]): r for r in results}
    order = list(dict.fromkeys(list(case_order or []) + [r["case"] for r in results]))
    backends = list(dict.fromkeys(r["backend"] for r in results if r["backend"] != REFERENCE))
    dtypes = sorted({r["dtype"] for r in results if r["backend"] != REFERENCE}) or [REFERENCE_DTYPE]
    verdicts, pairwise, findings = [], [], []
    for case in order:
        ref_result = by_key.get((case, REFERENCE, REFERENCE_DTYPE))
        for dtype in dtypes:
            present = {b: by_key[(case, b, dtype)] for b in backends
                       if (case, b, dtype) in by_key}
            if present or ref_result is not None:
                _check_case_dtype(case, dtype, ref_result, present,
                                  (verdicts, pairwise, findings), context)
    summary = Counter(v["verdict"] for v in verdicts)
    return {"verdicts": verdicts, "pairwise": pairwise, "findings": findings,
            "summary": {v: summary.get(v, 0) for v in VERDICTS}}
