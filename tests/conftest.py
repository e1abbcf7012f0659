"""Shared pytest setup: `--backend NAME` picks the backend the `be` fixture loads.

`python -m harness pytest NAME -- tests/...` runs pytest inside NAME's environment
with `--backend=NAME`. Without the option, tests that need a backend skip and say
why. Imports no numpy and no framework at module level: the engine test
environment has neither.

Note: tests/backends and tests/cases must stay without __init__.py; with one,
pytest would import `backends.test_*` and shadow the real `backends` package.
"""

import pytest


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
