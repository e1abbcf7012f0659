"""Shared pytest setup: `--backend NAME` picks the backend the `be` fixture loads, and
`seed_chapter` finds the seed chapter the same way for every test that reads it.

`python -m harness pytest NAME -- tests/...` runs pytest inside NAME's environment
with `--backend=NAME`. Without the option, tests that need a backend skip and say
why. Imports no numpy and no framework at module level: the engine test
environment has neither.

Note: tests/backends and tests/cases must stay without __init__.py; with one,
pytest would import `backends.test_*` and shadow the real `backends` package.
"""

import os
from pathlib import Path

import pytest

SEED_CHAPTER = Path("shared") / "seed" / "000_6bde21224c02a70b.txt"


def pytest_addoption(parser):
    parser.addoption("--backend", action="store", default=None, metavar="NAME",
                     help="backend whose environment this is (set by `python -m harness "
                          "pytest NAME`); tests that need a backend skip without it")


@pytest.fixture(scope="session")
def backend_name(request):
    name = request.config.getoption("--backend")
    if not name:
        pytest.skip("needs a backend: run `python -m harness pytest NAME -- PATH` "
                    "(or pytest --backend=NAME inside that backend's environment)")
    return name


@pytest.fixture(scope="session")
def be(backend_name):
    """The adapter for --backend, loaded once per session."""
    import backends
    return backends.load(backend_name)


@pytest.fixture(params=["float32", "float64"])
def dtype(request):
    return request.param


def seed_chapter_path() -> Path:
    """$HARNESS_SEED_CHAPTER, else the seed chapter in shared/ beside the clone."""
    env = os.environ.get("HARNESS_SEED_CHAPTER")
    return Path(env) if env else Path(__file__).resolve().parents[2] / SEED_CHAPTER


@pytest.fixture(scope="session")
def seed_chapter() -> Path:
    """The seed chapter's path; skips where it is absent, but fails in CI ($CI set)."""
    path = seed_chapter_path()
    if not path.is_file():
        why = (f"the seed chapter is not at {path}: set HARNESS_SEED_CHAPTER, or put "
               f"shared/ beside the clone")
        if os.environ.get("CI"):
            pytest.fail(why + " (CI is set: tests that need it must run)")
        pytest.skip(why)
    return path
