"""harness: cross-checks automatic differentiation across deep-learning frameworks.

The engine in this package uses only the standard library; every framework is
imported in worker processes, inside its own virtual environment.
"""

from pathlib import Path

__version__ = "0.1.0"
REPO_ROOT = Path(__file__).resolve().parent.parent
