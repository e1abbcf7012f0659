"""Where packages come from: pip's own configuration, so that uv sees what pip sees.

pip reads its config files and PIP_* variables (here /etc/xdg/pip/pip.conf names
local wheel folders and indexes); uv reads neither. These are translated into
installer arguments that both understand, plus the CPU index an environment's spec
may name for its framework (torch), unless a local source already holds the CPU build.
"""

import configparser
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from harness.envs import spec

_KEYS = ("index-url", "extra-index-url", "find-links", "no-index", "constraint")


def _config_files() -> list[Path]:
    """pip's config files, lowest precedence first (global, user, site, PIP_CONFIG_FILE)."""
    chosen = os.environ.get("PIP_CONFIG_FILE")
    if chosen == os.devnull:
        return []
    dirs = os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
    files = [Path(d) / "pip" / "pip.conf" for d in reversed(dirs) if d] + [Path("/etc/pip.conf")]
    home = Path.home()
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    files += [home / ".pip" / "pip.conf", config_home / "pip" / "pip.conf"]
    files.append(Path(sys.prefix) / "pip.conf")
    if chosen:
        files.append(Path(chosen))
    return [f for f in files if f.is_file()]


def pip_settings() -> dict[str, list[str]]:
    """{key: [values]} for the keys in _KEYS, as pip would see them ([global], [install])."""
    found: dict[str, list[str]] = {}
    for path in _config_files():
        parser = configparser.RawConfigParser()
        try:
            parser.read(path)
        except configparser.Error:
            continue
        for section in ("global", "install"):
            for key in _KEYS:
                if parser.has_option(section, key):
                    found[key] = parser.get(section, key).split()
    for key in _KEYS:
        value = os.environ.get("PIP_" + key.upper().replace("-", "_"))
        if value is not None:
            found[key] = value.split()
    return found


def _truthy(values: list[str]) -> bool:
    return bool(values) and values[-1].lower() in ("1", "true", "yes", "on")


def installer_args(settings: dict[str, list[str]]) -> list[str]:
    """pip's sources as arguments uv pip install (and pip) accept."""
    args: list[str] = []
    if _truthy(settings.get("no-index", [])):
        args.append("--no-index")
    for url in settings.get("index-url", [])[-1:]:
        args += ["--index-url", url]
    for url in settings.get("extra-index-url", []):
        args += ["--extra-index-url", url]
    for link in settings.get("find-links", []):
        args += ["--find-links", link]
    for path in settings.get("constraint", []):
        args += ["--constraint", path]
    return args


def _local_dir(link: str) -> Path | None:
    parsed = urlparse(link)
    if parsed.scheme in ("", "file"):
        path = Path(unquote(parsed.path if parsed.scheme else link))
        return path if path.is_dir() else None
    return None


def has_local_build(settings: dict[str, list[str]], dist: str, version: str, local: str) -> bool:
    """Whether a local find-links folder holds a wheel of dist==version+local."""
    prefix = f"{dist.replace('-', '_')}-{version}+{local}-"
    for link in settings.get("find-links", []):
        folder = _local_dir(link)
        if folder and any(p.name.startswith(prefix) for p in folder.glob("*.whl")):
            return True
    return False


def gpu_asked() -> bool:
    return os.environ.get("HARNESS_GPU", "") not in ("", "0")


def framework_index(name: str, reqs: list[str], settings: dict) -> list[str]:
    """Extra index arguments for env NAME's framework build (torch: the CPU index)."""
    url = spec.backends()[name].get("cpu-index")
    if not url or gpu_asked():
        return []
    framework = spec.pin_name(framework_requirement(name))
    version = spec.pins(reqs).get(framework)
    if version and has_local_build(settings, framework, version, "cpu"):
        return []  # pip's local wheels hold the CPU build already; the index may be unreachable
    return ["--extra-index-url", url]


def variant(name: str) -> str:
    """'' for the default build of env NAME's framework, 'gpu' when HARNESS_GPU asks for it."""
    return "gpu" if spec.backends()[name].get("cpu-index") and gpu_asked() else ""


def framework_requirement(name: str) -> str:
    """The first requirement NAME's group adds of its own (the framework)."""
    own = [r for r in spec.groups()[name] if isinstance(r, str)]
    if not own:
        raise spec.SpecError(f"dependency group {name!r} pins no framework of its own")
    return own[0]
