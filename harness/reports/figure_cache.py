"""Figures of report.html kept across runs: a figure is a pure function of its job.

A job (harness.reports.html.figure_jobs: the case's figure spec and every panel's
arrays) drawn by the same plot worker with the same pinned matplotlib gives the same
image, so a warm run whose results did not change draws nothing: the image is
reused from `<env dir>/.cache/figures/` (harness.envs.caches), keyed by a hash of
the job (its id aside), the plot worker's source and the numpy environment's pins.
Only the jobs missing there go to the plot worker.
"""

import hashlib
import json
from pathlib import Path

from harness import REPO_ROOT
from harness.common.fileio import write_atomic

PLOT_WORKER = REPO_ROOT / "harness" / "reports" / "worker" / "plots.py"


def _folder_and_salt():
    from harness import envs
    from harness.envs.caches import cache_root, requirements_hash
    try:
        salt = requirements_hash("numpy") + hashlib.sha256(PLOT_WORKER.read_bytes()).hexdigest()
    except (envs.EnvError, OSError):
        return None, None
    return cache_root() / "figures", salt


def _key(job: dict, salt: str) -> str:
    blob = json.dumps({k: v for k, v in job.items() if k != "id"}, sort_keys=True)
    return hashlib.sha256((salt + blob).encode()).hexdigest()[:32]


def draw(jobs: list[dict], python, draw_figures):
    """draw_figures(jobs, python)'s answer ({id: data URI or error}, problem), from the
    cache where it can be; only successful images are stored. An interpreter given
    (`python`) is not the pinned environment: no cache then."""
    folder, salt = _folder_and_salt() if python is None else (None, None)
    if folder is None:
        return draw_figures(jobs, python)
    keys = {job["id"]: _key(job, salt) for job in jobs}
    images, missing = {}, []
    for job in jobs:
        try:
            images[job["id"]] = (folder / f"{keys[job['id']]}.txt").read_text("ascii")
        except (OSError, ValueError):
            missing.append(job)
    if not missing:
        return images, None
    drawn, problem = draw_figures(missing, python)
    for job_id, uri in drawn.items():
        images[job_id] = uri
        if isinstance(uri, str) and uri.startswith("data:image/png;base64,"):
            try:
                write_atomic(Path(folder) / f"{keys[job_id]}.txt", uri)
            except OSError:
                pass   # a cache that cannot be written costs time, never a figure
    return images, problem
