"""A backend installed from outside the repository that injects faults (tests only).

`install(folder)` copies this package there beside a ``faulty_backend-0.1.dist-info``
whose entry_points.txt declares, in the group ``harness.backends``,
``faulty = faulty_backend.adapter:FaultyBackend`` and ``faulty2`` (the same adapter
under a second name): exactly how a user adds a framework without editing
harness/ or backends/. With that folder on PYTHONPATH, `python -m harness run
--backends faulty,...` finds it; the worker loads it in the numpy environment
(it declares no environment of its own). The faults are described in `adapter`.

This file is standard library only: the engine tests import it, the adapter
(numpy) is imported only by workers.
"""

import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
ENTRY_POINTS = ("[harness.backends]\n"
                "faulty = faulty_backend.adapter:FaultyBackend\n"
                "faulty2 = faulty_backend.adapter:SecondFaultyBackend\n")


def install(folder: Path) -> Path:
    """Put the package and its dist-info in `folder` (for PYTHONPATH); returns `folder`."""
    folder = Path(folder)
    shutil.copytree(HERE, folder / "faulty_backend",
                    ignore=shutil.ignore_patterns("__pycache__"))
    dist = folder / "faulty_backend-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: faulty-backend\n"
                                   "Version: 0.1\n")
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    return folder


def environment(folder: Path, faults: str = "", pids: Path | None = None) -> dict:
    """os.environ with the repository and `folder` on PYTHONPATH and the faults set."""
    env = dict(os.environ)
    paths = [str(REPO), str(folder)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                        if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["HARNESS_FAULT"] = faults
    if pids is not None:
        env["HARNESS_FAULT_PIDS"] = str(pids)
    else:
        env.pop("HARNESS_FAULT_PIDS", None)
    return env
