"""Ships pyproject.toml inside the package, as harness/envs/specs.toml.

The environment specs ([dependency-groups] and [tool.harness.envs]) are declared once,
in pyproject.toml; an installed harness has no checkout to read them from, so the
wheel carries a copy. Everything else is configured in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithSpecs(build_py):
    """build_py, plus the copy of pyproject.toml that an installed harness reads."""

    def run(self):
        super().run()
        if not self.editable_mode:  # an editable install reads the checkout's own file
            target = Path(self.build_lib, "harness", "envs", "specs.toml")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(Path(__file__).with_name("pyproject.toml").read_bytes())


setup(cmdclass={"build_py": BuildPyWithSpecs})
