"""Building an environment: uv when it can be had, else venv + pip.

uv comes from the package index into the harness's own tool environment
($HARNESS_ENV_DIR/.tools, with pip --target) on first use, pinned by the `tools` dependency group; the
orchestrator itself needs nothing but the standard library. HARNESS_UV=/path/to/uv
uses that uv, HARNESS_UV=0 always uses pip. uv's cache (shared by every environment,
so a package common to several is fetched once) is uv's default unless UV_CACHE_DIR.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.envs import spec

PROGRESS_WORDS = ("Collecting", "Downloading", "Installing", "Successfully", "Resolved",
                  "Prepared", "Installed", "Using Python", "Uninstalled", "Downloaded")


class InstallError(RuntimeError):
    """A provisioning step failed; the message ends with the tail of its output."""


def run_streaming(cmd: list[str], say, env: dict | None = None) -> None:
    """Run a provisioning step, forwarding its progress lines through say()."""
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, bufsize=1, env=env)
    except OSError as exc:
        raise InstallError(f"cannot start {cmd[0]}: {exc}") from None
    tail: list[str] = []
    for line in proc.stdout:
        line = line.rstrip()
        if not line:
            continue
        tail = (tail + [line])[-20:]
        if line.lstrip().startswith(PROGRESS_WORDS):
            say(line.strip())
    if proc.wait() != 0:
        raise InstallError(f"{' '.join(cmd)}\n" + "\n".join(tail))


def tool_dir(root: Path) -> Path:
    """The harness's own tools, one folder per pinned set (a new pin installs afresh)."""
    tag = "-".join(spec.group("tools")).replace("==", "-")
    return root / ".tools" / tag


def uv_path(root: Path, say, lock) -> str | None:
    """A uv to provision with, installing it into the tool folder once; None: use pip."""
    chosen = os.environ.get("HARNESS_UV", "")
    if chosen in ("0", "off", "no", "false"):
        return None
    if chosen:
        return chosen
    uv = tool_dir(root) / "bin" / "uv"
    if uv.exists():
        return str(uv)
    with lock(".tools"):
        if not uv.exists():
            _install_tools(tool_dir(root), say)
    return str(uv) if uv.exists() else None


def _install_tools(target: Path, say) -> None:
    """pip install --target: no virtual environment needed for a tool that is one binary."""
    staging = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        say(f"installing {' '.join(spec.group('tools'))} into {target} "
            "(once; it builds environments faster than pip)")
        run_streaming([sys.executable, "-m", "pip", "install", "--disable-pip-version-check",
                       "--progress-bar", "off", "--no-warn-script-location", "--target",
                       str(staging), *spec.group("tools")], say)
        os.replace(staging, target)
    except (InstallError, spec.SpecError, OSError) as exc:
        say(f"uv is not available ({str(exc).splitlines()[0]}); using venv + pip")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def create_with_uv(uv: str, python: str, path: Path, reqs: list[str], sources: list[str],
                   say) -> None:
    """uv venv + uv pip install, with pip's sources and pip's best-match resolution."""
    run_streaming([uv, "venv", "--no-project", "--seed", "--quiet", "--python", python,
                   str(path)], say)
    run_streaming([uv, "pip", "install", "--python", str(path / "bin" / "python"),
                   "--index-strategy", "unsafe-best-match", *sources, *reqs], say)


def create_with_pip(python: str, path: Path, reqs: list[str], sources: list[str], say) -> None:
    run_streaming([python, "-m", "venv", str(path)], say)
    run_streaming([str(path / "bin" / "python"), "-m", "pip", "install",
                   "--disable-pip-version-check", "--progress-bar", "off", *sources, *reqs], say)


def reinstall(uv: str | None, path: Path, broken: list[str], reqs: list[str],
              sources: list[str], say) -> None:
    """Reinstall the broken pins in place, and whatever of their dependencies is missing."""
    py = str(path / "bin" / "python")
    if uv:
        again = [arg for req in broken for arg in ("--reinstall-package", spec.pin_name(req))]
        run_streaming([uv, "pip", "install", "--python", py, *again,
                       "--index-strategy", "unsafe-best-match", *sources, *reqs], say)
        return
    pip = [py, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
    if broken:
        run_streaming([*pip, "--force-reinstall", "--no-deps", *sources, *broken], say)
    run_streaming([*pip, *sources, *reqs], say)
