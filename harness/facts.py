"""The facts every part of the harness shares, declared once (standard library only).

Imported by the orchestrator, the workers, `backends/` and `cases/` alike, so a
fact changed here is changed everywhere. A new framework needs a line here only
for what cannot be read from its adapter: its place in the display order, a GPU,
a D2L tab name that differs from its backend name, or an alias.
"""

DTYPES = ("float32", "float64")
# Derivative calls of the backend interface; a case output computed with one of them
# declares it in `Case.ops`, which sets the output's tolerance class.
DERIVATIVE_OPS = ("grad", "value_and_grad", "jacobian", "hessian", "hvp")

# The cases' own reference values (SymPy / closed forms): a pseudo-backend, float64
# only, computed in the environment below, which also draws the report's figures.
REFERENCE = "reference"
REFERENCE_DTYPE = "float64"
REFERENCE_ENV = "numpy"

# Built-in backends in display order; plug-in backends (entry points) follow them.
# Each has an environment of the same name (pyproject.toml's dependency groups).
BACKENDS = ("torch", "tensorflow", "mxnet", "jax", "numpy")
# The modules a backend's adapter imports: without them it is unavailable (and the
# orchestrator must never import them; tests check it).
FRAMEWORK_MODULES = {"torch": ("torch",), "tensorflow": ("tensorflow",), "mxnet": ("mxnet",),
                     "jax": ("jax",), "numpy": ("numpy", "numdifftools")}
GPU_BACKENDS = ("torch", "jax")
# The distributions that are the framework: `jax@0.4.38` pins each of them to 0.4.38 in
# an environment of its own (the group's other pins are left to the resolver).
FRAMEWORK_DISTRIBUTIONS = {"torch": ("torch",), "tensorflow": ("tensorflow",),
                           "mxnet": ("mxnet",), "jax": ("jax", "jaxlib"), "numpy": ("numpy",)}
VERSION_MARK = "@"

# Other names a user (or a D2L chapter's tab) may give a backend.
ALIASES = {"pytorch": "torch", "tf": "tensorflow", "mx": "mxnet", "np": "numpy"}
# D2L's tabs in the book's order, and a backend's tab name where the book spells it
# differently. The book has no numpy tab.
D2L_TABS = ("mxnet", "pytorch", "tensorflow", "jax")
D2L_TAB_NAMES = {"torch": "pytorch"}


def split_version(name: str) -> tuple[str, str | None]:
    """`torch@2.5.1` -> ("torch", "2.5.1"); `torch` -> ("torch", None)."""
    base, mark, version = name.strip().partition(VERSION_MARK)
    return base, (version.strip() if mark else None)


def canonical_backend(name: str) -> str:
    """The backend a name means: an alias (any case) resolved, a `@version` kept; any other
    name unchanged (`pytorch@2.5.1` -> `torch@2.5.1`)."""
    base, version = split_version(name)
    base = ALIASES.get(base.lower(), base)
    return base if version is None else f"{base}{VERSION_MARK}{version}"


def d2l_tab(name: str) -> str | None:
    """The D2L tab name of a backend (or of an alias, or of a tab name); None if it has none."""
    tab = D2L_TAB_NAMES.get(canonical_backend(name), canonical_backend(name))
    return tab if tab in D2L_TABS else None


def backend_for_tab(tab: str) -> str | None:
    """The backend that runs a D2L tab (`pytorch` -> `torch`); None for an unknown tab."""
    return canonical_backend(tab) if d2l_tab(tab) else None
