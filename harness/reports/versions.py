"""The versions view: what differs between versions of one framework in one run.

A run (or a merge of runs from other machines) may hold one framework at several
versions, `torch@2.13.0` beside `torch@2.5.1`, or a plain `jax` beside `jax@0.4.38`.
For each framework the oldest version is the baseline, and each other version is
listed with what changed against it: values beyond the pair's tolerance (from the
cross-check's pairwise comparisons), convention answers, and statuses (a new error,
crash or unsupported operation, or one that went away).
"""

import html
import re

from harness.conventions import from_json, text
from harness.facts import REFERENCE, split_version


def version_key(version: str | None) -> tuple:
    """Numeric release order ('0.4.38' < '0.10.2'); local tags (+cpu) ignored."""
    release = (version or "").split("+")[0]
    return tuple(int(n) for n in re.findall(r"\d+", release)) or (0,)


def families(run: dict) -> dict[str, list[tuple[str, str | None]]]:
    """framework -> [(backend, version)] oldest first, for frameworks seen at 2+ versions."""
    info = ((run.get("environment") or {}).get("backends") or {})
    seen: dict[str, list] = {}
    for r in run.get("results") or []:
        b = r.get("backend")
        if b == REFERENCE or not isinstance(b, str):
            continue
        base, asked = split_version(b)
        version = (info.get(b) or {}).get("version") or asked
        if (b, version) not in seen.setdefault(base, []):
            seen[base].append((b, version))
    return {fw: sorted(members, key=lambda m: version_key(m[1]))
            for fw, members in seen.items() if len(members) > 1}


def _status(run, case, backend, dtype):
    for r in run.get("results") or []:
        if (r.get("case"), r.get("backend"), r.get("dtype")) == (case, backend, dtype):
            return r.get("status")
    return None


def _value_changes(run, base, other) -> list[dict]:
    rows = []
    for p in run.get("pairwise") or []:
        if {p.get("a"), p.get("b")} == {base, other} and p.get("agree") is False:
            rows.append({"case": p["case"], "output": p["output"], "dtype": p["dtype"],
                         "kind": "value", "detail": p.get("detail") or "beyond tolerance"})
    return rows


def _answer_changes(run, base, other) -> list[dict]:
    answers = {}
    for v in run.get("verdicts") or []:
        if "answer" in v and v["backend"] in (base, other):
            answers.setdefault((v["case"], v["output"], v["dtype"]), {})[v["backend"]] = v
    rows = []
    for (case, output, dtype), pair in answers.items():
        if len(pair) == 2 and pair[base]["answer"] != pair[other]["answer"]:
            old, new = (text(from_json(pair[b]["answer"])) for b in (base, other))
            rows.append({"case": case, "output": output, "dtype": dtype, "kind": "convention",
                         "detail": f"{old} -> {new} ({pair[other]['verdict']})"})
    return rows


def _status_changes(run, base, other) -> list[dict]:
    keys = {(r["case"], r["dtype"]) for r in run.get("results") or []
            if r.get("backend") in (base, other)}
    rows = []
    for case, dtype in sorted(keys):
        old, new = _status(run, case, base, dtype), _status(run, case, other, dtype)
        if old != new and None not in (old, new):
            rows.append({"case": case, "output": "*", "dtype": dtype, "kind": "status",
                         "detail": f"{old} -> {new}"})
    return rows


def versions_view(run: dict) -> list[dict]:
    """[{framework, baseline, baseline_version, version_backend, version, changes}]."""
    view = []
    for fw, members in families(run).items():
        (base, base_version), others = members[0], members[1:]
        for other, version in others:
            changes = (_value_changes(run, base, other) + _answer_changes(run, base, other)
                       + _status_changes(run, base, other))
            view.append({"framework": fw, "baseline": base, "baseline_version": base_version,
                         "backend": other, "version": version, "changes": changes})
    return view


def text_lines(run: dict) -> list[str]:
    view = run.get("versions") if "versions" in run else versions_view(run)
    lines = []
    for entry in view or []:
        head = (f"{entry['framework']}: {entry['backend']} ({entry['version']}) against "
                f"{entry['baseline']} ({entry['baseline_version']})")
        changes = entry["changes"]
        lines.append(f"{head}: {len(changes) or 'no'} difference(s)")
        lines += [f"  - {c['case']} {c['output']} [{c['dtype']}] {c['kind']}: {c['detail']}"
                  for c in changes]
    return (["Versions (each framework against its oldest version in this run):"] + lines
            if lines else [])


def html_section(run: dict) -> str:
    lines = text_lines(run)
    if not lines:
        return ""
    return ('<section id="versions"><h2>Versions</h2><pre class="scroll">'
            + html.escape("\n".join(lines[1:])) + "</pre></section>")
