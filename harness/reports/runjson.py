"""run.json, the record of a run (schema in harness.run.results): `--format json` prints it.

Written last of the files, so it records any problem the other reports had.
"""

from harness.reports import Report


def render(run, view=None, context=None) -> str:
    from harness.run.results import to_json

    return to_json(run)


REPORT = Report("json", render, file="run.json", record=True)
