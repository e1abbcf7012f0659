"""junit.xml: one test case per case x backend x dtype, so CI systems show each verdict.

disagree and changed -> <failure>, error/crashed/timeout/interrupted -> <error>,
unsupported -> <skipped>, convention and known pass. The message says once what differed (values, index, errors, tolerance) or
what went wrong; the element's text holds the workers' tracebacks. Totals, timestamp
and hostname are on <testsuites> and each <testsuite>; every text is reduced to the
characters XML allows (colour codes, NUL or a lone surrogate in a message cannot
break the file).
"""

import platform
import re
import xml.etree.ElementTree as ET

from harness.reports import Report
from harness.reports.view import printable, problem_lines
from harness.run.crosscheck import PASSING

OUTCOMES = {"disagree": "failure", "changed": "failure", "unsupported": "skipped", "error": "error",
            "crashed": "error", "timeout": "error", "interrupted": "error"}
COUNTERS = {"failure": "failures", "error": "errors", "skipped": "skipped"}
MESSAGE_CHARS = 2000


def timestamp(run) -> str:
    """run["created"] in the form JUnit's schema wants (no zone), or "" when unknown."""
    found = re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", str(run.get("created") or ""))
    return found.group() if found else ""


def hostname(run) -> str:
    return str((run.get("environment") or {}).get("hostname") or platform.node() or "unknown")


def _seconds(view, case, backend, dtype) -> float:
    result = view.result(case, backend, dtype) or {}
    seconds = result.get("seconds")
    return float(seconds) if isinstance(seconds, (int, float)) else 0.0


def _outcome(tc, verdict, rows, view, key):
    """Add the <failure>/<error>/<skipped> child of one test case; return its tag."""
    tag = OUTCOMES.get(verdict, "error")
    message = "; ".join(problem_lines(rows, where=False))
    if len(message) > MESSAGE_CHARS:
        message = message[:MESSAGE_CHARS] + " ..."
    child = ET.SubElement(tc, tag, message=printable(message))
    if tag != "skipped":
        child.set("type", verdict)
    error = (view.result(*key) or {}).get("error")
    if isinstance(error, dict) and error.get("traceback"):
        child.text = printable(error["traceback"])
    return tag


def _suite(root, backend, view, stamp, host) -> dict:
    suite = ET.SubElement(root, "testsuite", name=printable(backend), timestamp=stamp,
                          hostname=host)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total = 0.0
    for case, b, dtype, verdict in view.filled():
        if b != backend:
            continue
        t = _seconds(view, case, backend, dtype)
        total += t
        tc = ET.SubElement(suite, "testcase", classname=printable(f"{backend}.{dtype}"),
                           name=printable(case), time=f"{t:.3f}")
        counts["tests"] += 1
        if verdict not in PASSING or verdict == "unsupported":  # agree, convention, known pass
            rows = view.verdicts[(case, backend, dtype)]
            counts[COUNTERS[_outcome(tc, verdict, rows, view, (case, backend, dtype))]] += 1
    for k, n in counts.items():
        suite.set(k, str(n))
    suite.set("time", f"{total:.3f}")
    return counts | {"time": total}


def render(run, view, context=None) -> str:
    stamp, host = timestamp(run), printable(hostname(run))
    root = ET.Element("testsuites", name="harness", timestamp=stamp)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    for backend in view.backends:
        counts = _suite(root, backend, view, stamp, host)
        totals = {k: totals[k] + counts[k] for k in totals}
    for k, n in totals.items():
        root.set(k, f"{n:.3f}" if k == "time" else str(n))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


REPORT = Report("junit", render, file="junit.xml")
