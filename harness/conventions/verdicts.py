"""One output of a convention case in one dtype: a verdict per backend (see the package)."""

import math

from harness.common.fileio import write_atomic
from harness.common.tolerances import looser, tolerance
from harness.conventions import OUTCOMES_HEADER, OUTCOMES_PATH, as_json, outside, same, text


class OutcomesError(Exception):
    """The recorded outcomes file cannot be read; the message names it and the line."""


def _parse_answer(field: str) -> list[float]:
    return [float(v) for v in field.split(",")]  # float() reads nan, inf, -inf


def load_outcomes(path=OUTCOMES_PATH) -> dict:
    """{case: {output: {dtype: {backend: {version: answer}}}}} from the recorded TSV."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise OutcomesError(f"{path}: {exc}") from None
    if not lines or tuple(lines[0].split("\t")) != OUTCOMES_HEADER:
        raise OutcomesError(f"{path}: the first line must be {' '.join(OUTCOMES_HEADER)}")
    outcomes: dict = {}
    for n, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        try:
            if len(fields) != len(OUTCOMES_HEADER):
                raise ValueError(f"{len(fields)} fields")
            case, output, dtype, backend, version, answer = fields
            (outcomes.setdefault(case, {}).setdefault(output, {}).setdefault(dtype, {})
             .setdefault(backend, {}))[version] = _parse_answer(answer)
        except ValueError as exc:
            raise OutcomesError(f"{path}:{n}: {exc}") from None
    return outcomes


def _recorded(outcomes, case, output, dtype, backend, version):
    """(version, answer) recorded for this backend: its own version's, else the latest."""
    by_version = outcomes.get(case, {}).get(output, {}).get(dtype, {}).get(backend) or {}
    if not by_version:
        return None
    chosen = version if version in by_version else list(by_version)[-1]
    return chosen, by_version[chosen]


def _row(case, output, backend, dtype, verdict, answer, tol, method, detail):
    return {"case": case, "output": output, "backend": backend, "dtype": dtype,
            "verdict": verdict, "max_abs": None, "max_rel": None, "worst_index": None,
            "tolerance": {"rtol": tol.rtol, "atol": tol.atol}, "method": method,
            "odd_one_out": None, "detail": detail, "answer": as_json(answer)}


def _differences(answers: dict, tols: dict) -> str:
    """'torch: 0.5, 0.5; tensorflow: 1, 0' plus a note when some answer NaN and others not."""
    groups: list[tuple[list, list]] = []
    for b, a in answers.items():
        for members, rep in groups:
            if same(a, rep, looser(tols[b], tols[members[0]])):
                members.append(b)
                break
        else:
            groups.append(([b], a))
    parts = [f"{', '.join(m)}: {text(rep)}" for m, rep in groups]
    nan = [b for b, a in answers.items() if any(math.isnan(v) for v in a)]
    note = f" (NaN from {', '.join(nan)} where others give numbers)" if 0 < len(nan) < len(
        answers) else ""
    return "; ".join(parts) + note


def judge(case, output, dtype, rule, answers: dict, methods: dict, versions: dict,
          outcomes: dict) -> list[dict]:
    """Rows for every backend that answered (answers: backend -> list of floats)."""
    tols = {b: tolerance(dtype, methods.get(b)) for b in answers}
    names = list(answers)
    all_same = all(same(answers[b], answers[names[0]], looser(tols[b], tols[names[0]]))
                   for b in names)
    spread = "" if all_same else _differences(answers, tols)
    rows = []
    for b, a in answers.items():
        why = outside(rule, a, tols[b])
        rec = _recorded(outcomes, case, output, dtype, b, versions.get(b))
        if rec is not None and not same(a, rec[1], tols[b]):
            verdict = "changed"
            detail = (f"recorded {text(rec[1])} with {b} {rec[0]}, now {text(a)} with "
                      f"{b} {versions.get(b)}")
        elif why is not None:
            verdict = "known" if rec is not None else "disagree"
            detail = f"outside the valid set: {why} ({rule.get('why', '')})"
            if verdict == "known":
                detail += f"; recorded with {b} {rec[0]}"
        elif all_same:
            verdict, detail = "agree", ""
        else:
            verdict, detail = "convention", f"valid answers differ: {spread}"
        row = _row(case, output, b, dtype, verdict, a, tols[b], methods.get(b), detail)
        if verdict in ("disagree", "changed", "known"):
            row["odd_one_out"] = b
        rows.append(row)
    return rows


def context_for(run: dict) -> tuple[dict, dict | None]:
    """(the cross-check's context for a run's convention cases, a problem or None)."""
    rules = {c["id"]: c["rules"] for c in run.get("cases") or []
             if isinstance(c, dict) and c.get("kind") == "convention"
             and isinstance(c.get("rules"), dict)}
    if not rules:
        return {}, None
    backends = ((run.get("environment") or {}).get("backends") or {})
    versions = {b: (info or {}).get("version") for b, info in backends.items()}
    try:
        outcomes, problem = load_outcomes(), None
    except OutcomesError as exc:
        outcomes = {}
        problem = {"kind": "conventions", "backend": None, "case": None, "dtype": None,
                   "detail": f"recorded outcomes not read: {exc}"}
    return {"rules": rules, "versions": versions, "outcomes": outcomes}, problem


def record(run: dict, path=OUTCOMES_PATH) -> int:
    """Write every convention answer of a run into the outcomes file; returns how many.

    Answers recorded for other versions stay, so the file keeps each version's answer.
    """
    try:
        outcomes = load_outcomes(path)
    except OutcomesError:
        outcomes = {}
    versions = {b: (info or {}).get("version") for b, info in
                ((run.get("environment") or {}).get("backends") or {}).items()}
    count = 0
    for v in run.get("verdicts", []):
        if "answer" in v:
            slot = (outcomes.setdefault(v["case"], {}).setdefault(v["output"], {})
                    .setdefault(v["dtype"], {}).setdefault(v["backend"], {}))
            slot[str(versions.get(v["backend"]))] = [float(x) for x in v["answer"]]
            count += 1
    lines = ["\t".join(OUTCOMES_HEADER)]
    for case, outputs in sorted(outcomes.items()):
        for output, dtypes in sorted(outputs.items()):
            for dtype, backends in sorted(dtypes.items()):
                for backend, by_version in sorted(backends.items()):
                    lines += ["\t".join([case, output, dtype, backend, version,
                                         ",".join(map(repr, answer))])
                              for version, answer in by_version.items()]
    write_atomic(path, "\n".join(lines) + "\n")
    return count
