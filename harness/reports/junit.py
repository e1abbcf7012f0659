"""junit.xml: one test case per case x backend x dtype, so CI systems show each verdict.

disagree and changed -> <failure>, error/crashed/timeout/interrupted -> <error>,
unsupported -> <skipped>, convention and known pass; the message carries every non-agreeing output's detail.
"""

import xml.etree.ElementTree as ET

from harness.reports.table import detail_lines
from harness.run.crosscheck import PASSING, worst


def junit_xml(run: dict) -> str:
    seconds = {(r["case"], r["backend"], r["dtype"]): r.get("seconds") or 0.0
               for r in run["results"]}
    groups: dict = {}
    for v in run["verdicts"]:
        groups.setdefault(v["backend"], {}).setdefault((v["case"], v["dtype"]), []).append(v)
    root = ET.Element("testsuites", name="harness")
    for backend, tests in groups.items():
        suite = ET.SubElement(root, "testsuite", name=backend)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        total = 0.0
        for (case, dtype), verdicts in tests.items():
            t = seconds.get((case, backend, dtype)) or seconds.get((case, backend, "float64"), 0.0)
            total += t
            tc = ET.SubElement(suite, "testcase", classname=f"{backend}.{dtype}", name=case,
                               time=f"{t:.3f}")
            counts["tests"] += 1
            verdict = worst(v["verdict"] for v in verdicts)
            if verdict in PASSING and verdict != "unsupported":  # agree, convention, known
                continue
            text = "\n".join(detail_lines({"verdicts": verdicts}))
            message = f"{verdict}: " + "; ".join(
                f"{v['output']} {v['verdict']}" for v in verdicts if v["verdict"] != "agree")
            if verdict == "unsupported":
                ET.SubElement(tc, "skipped", message=message).text = text
                counts["skipped"] += 1
            elif verdict in ("disagree", "changed"):
                ET.SubElement(tc, "failure", message=message, type=verdict).text = text
                counts["failures"] += 1
            else:
                ET.SubElement(tc, "error", message=message, type=verdict).text = text
                counts["errors"] += 1
        for k, n in counts.items():
            suite.set(k, str(n))
        suite.set("time", f"{total:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
