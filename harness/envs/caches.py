"""Caches kept beside the environments: JAX's compiled code and deterministic results.

Each is keyed on the pinned requirements of the environment that fills it (and its
Python and build variant, see `requirements_hash`), so an environment rebuilt from other
pins never reads an entry written by the old one. $HARNESS_CACHE_DIR moves them all.
"""

import os
from pathlib import Path

from harness import envs


def cache_root() -> Path:
    """`<env dir>/.cache`, or $HARNESS_CACHE_DIR."""
    return Path(os.environ.get("HARNESS_CACHE_DIR") or envs.env_root() / ".cache")


def requirements_hash(name: str) -> str:
    """What names environment `name`'s Python, pins and build in its marker (EnvError if
    undeclared): `envs.env_key`."""
    return envs.env_key(name)


def jax_cache_dir() -> Path | None:
    """JAX's persistent compilation cache: one folder per jax pin and requirements set
    (the JAX adapter refuses a folder named for another jax version)."""
    if "jax" not in envs.declared_groups():
        return None
    pins = [r.split("==", 1)[1] for r in envs.requirements("jax") if r.startswith("jax==")]
    version = pins[0] if pins else "unpinned"
    return cache_root() / f"jax-{version}-{requirements_hash('jax')}"


def cache_variables() -> dict:
    """Variables for every process run in an environment: JAX reads these itself, so
    run workers, test sessions and doc kernels share the compiled code."""
    folder = jax_cache_dir()
    if folder is None:
        return {}
    return {"JAX_COMPILATION_CACHE_DIR": str(folder),
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",   # tiny compiles count too
            "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0"}
