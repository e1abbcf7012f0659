"""The backend registry: names without importing frameworks, entry-point backends, errors."""

import subprocess
import sys
import textwrap

import pytest

import backends
from harness.envs import worker_env
from harness.facts import BACKENDS, FRAMEWORK_MODULES

FRAMEWORKS = tuple(m for mods in FRAMEWORK_MODULES.values() for m in mods)


def test_available_imports_no_framework():
    """The stdlib-only orchestrator lists backends: that must import nothing heavy."""
    code = textwrap.dedent(f"""
        import sys, backends
        names = backends.available()
        assert names == tuple(sorted(names)), names
        assert set({BACKENDS!r}) <= set(names), names
        assert "base" not in names and not any(n.startswith("_") for n in names), names
        loaded = [m for m in {FRAMEWORKS!r} if m in sys.modules]
        assert not loaded, loaded
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=worker_env(), check=False)
    assert proc.returncode == 0, proc.stderr


def _install_entry_points(tmp_path, monkeypatch, module, module_source, entry_points):
    """A module and a dist-info folder declaring its entry points, put on sys.path."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(module_source))
    dist = tmp_path / f"{module}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: harness-fake-backend\n"
                                   "Version: 0.1\n")
    (dist / "entry_points.txt").write_text("[harness.backends]\n" + entry_points)
    monkeypatch.syspath_prepend(str(tmp_path))


def test_entry_point_backends_are_listed_and_loaded(tmp_path, monkeypatch, backend_name):
    """A backend registered by an entry point ("module:Class" or a module) works like a
    module in backends/, without touching harness/ or backends/."""
    _install_entry_points(tmp_path, monkeypatch, "harness_doubled_backend", f"""
        from backends.{backend_name} import ADAPTER as _Base

        class Doubled(_Base):
            '''Deliberately wrong gradients: what a fault-injecting backend looks like.'''
            name = "doubled"

            def _value_and_grad(self, f, argnums):
                impl = super()._value_and_grad(f, argnums)

                def doubled(*args):
                    value, grads = impl(*args)
                    return value, tuple(2 * g for g in grads)
                return doubled
    """, "doubled = harness_doubled_backend:Doubled\n"
                          "as-module = harness_doubled_backend\n")
    names = backends.available()
    assert {"doubled", "as-module", backend_name} <= set(names)
    x64 = [0.5, -1.5]
    for name, factor in (("doubled", 2.0), ("as-module", 2.0)):
        be = backends.load(name)
        x = be.asarray(x64)
        g = be.to_numpy(be.grad(lambda t, xp=be.xp: xp.sum(t * t))(x))
        assert g.tolist() == pytest.approx([factor * 2 * v for v in x64], rel=1e-6)
    assert backends.load("doubled").name == "doubled"
    assert backends.load("as-module").name == "as-module"   # the name it was loaded by


def test_entry_point_whose_framework_is_missing(tmp_path, monkeypatch):
    _install_entry_points(tmp_path, monkeypatch, "harness_ghost_backend", """
        import a_framework_that_is_not_installed  # noqa: F401
    """, "ghost = harness_ghost_backend:Ghost\n")
    assert "ghost" in backends.available()
    with pytest.raises(backends.BackendUnavailable, match="envs --create ghost"):
        backends.load("ghost")


@pytest.mark.parametrize("bad", ["", None, "base", "_native", "torch2"])
def test_unknown_names(bad):
    with pytest.raises(backends.UnknownBackend, match="known: .*numpy"):
        backends.load(bad)
