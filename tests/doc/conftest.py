"""doc-mode tests: real runs go through `python -m harness doc` in a subprocess."""

import pytest
from doc_helpers import FIXTURES, run_doc


def pytest_configure(config):
    config.addinivalue_line("markers", "chapter: runs the whole seed chapter in every tab env")


@pytest.fixture
def doc(tmp_path):
    """Run a fixture chapter (without the cases cross-check) and return its DocRun."""
    def go(name, *args):
        return run_doc(FIXTURES / name, tmp_path / "out", "--no-cases", *args)
    return go
