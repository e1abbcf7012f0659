"""Registry of differentiation backends: one adapter module per framework.

Standard library only: the orchestrator imports this module to validate and list
backend names without importing any framework. A backend is either

* a module `backends/NAME.py` (not `base`, not starting with `_`), or
* an entry point in the group ``harness.backends`` of any installed distribution,
  whose value is ``"module:Class"`` or a module.

A module names its adapter class with a module-level ``ADAPTER``; failing that,
its one subclass of `backends.base.Backend` is used.
"""

import importlib
import importlib.metadata
import pkgutil
from pathlib import Path

ENTRY_POINT_GROUP = "harness.backends"
_NOT_ADAPTERS = {"base"}


class BackendError(Exception):
    """Base class of the errors raised by the registry and the adapters."""


class UnknownBackend(BackendError, LookupError):
    """No adapter module or entry point has this name."""


class BackendUnavailable(BackendError, ImportError):
    """The adapter exists but its framework cannot be imported in this environment."""


class Unsupported(BackendError, NotImplementedError):
    """An adapter declares that it cannot do this (reported as verdict "unsupported")."""


def _module_names() -> list[str]:
    here = str(Path(__file__).resolve().parent)
    return [m.name for m in pkgutil.iter_modules([here])
            if not m.name.startswith("_") and m.name not in _NOT_ADAPTERS]


def _entry_points() -> dict:
    """name -> EntryPoint of the group; the first one found wins for a name."""
    found: dict = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def available() -> tuple[str, ...]:
    """Sorted names of every backend the registry knows; imports no framework."""
    return tuple(sorted(set(_module_names()) | set(_entry_points())))


def _adapter_class(obj, where: str):
    """The adapter class from a class or a module (its ADAPTER, or its one Backend subclass)."""
    if isinstance(obj, type):
        return obj
    adapter = getattr(obj, "ADAPTER", None)
    if adapter is not None:
        return adapter
    from backends.base import Backend
    found = [v for v in vars(obj).values()
             if isinstance(v, type) and issubclass(v, Backend) and v is not Backend
             and v.__module__ == obj.__name__]
    if len(found) != 1:
        raise UnknownBackend(f"{where} defines no single adapter class "
                             f"(set ADAPTER = YourBackend in the module)")
    return found[0]


def _unavailable(name: str, exc: ImportError) -> BackendUnavailable:
    return BackendUnavailable(
        f"backend {name!r} cannot import its framework here ({exc}). Each backend runs in "
        f"its own environment: create it with `python -m harness envs --create {name}` and "
        f"run inside it, e.g. `python -m harness pytest {name}`.")


def load(name: str):
    """Import backend `name` and return a new adapter instance.

    Raises UnknownBackend (message lists the known names) or BackendUnavailable
    (the framework is not importable here; the message says which environment to create).
    """
    if not isinstance(name, str) or not name:
        raise UnknownBackend(f"backend name must be a non-empty string, got {name!r}; "
                             f"known: {', '.join(available())}")
    entry_points = _entry_points()
    if name in _module_names():
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ImportError as exc:
            raise _unavailable(name, exc) from exc
        cls = _adapter_class(module, f"backends/{name}.py")
    elif name in entry_points:
        ep = entry_points[name]
        try:
            obj = ep.load()
        except ImportError as exc:
            raise _unavailable(name, exc) from exc
        cls = _adapter_class(obj, f"entry point {ep.value!r}")
    else:
        raise UnknownBackend(f"unknown backend {name!r}; known: {', '.join(available())}")
    try:
        backend = cls()
    except ImportError as exc:
        raise _unavailable(name, exc) from exc
    backend.name = name   # the name it is known by, e.g. an entry point's
    return backend


__all__ = [
    "ENTRY_POINT_GROUP",
    "BackendError",
    "BackendUnavailable",
    "UnknownBackend",
    "Unsupported",
    "available",
    "load",
]
