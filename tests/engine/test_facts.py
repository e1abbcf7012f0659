"""Each shared fact is declared once (harness/facts.py) and its aliases work in every command."""

import ast
from pathlib import Path

import pytest

from harness import facts

REPO = Path(__file__).resolve().parents[2]
CODE = [p for d in ("harness", "backends", "cases") for p in (REPO / d).rglob("*.py")]


@pytest.mark.parametrize("alias, name", [("pytorch", "torch"), ("PyTorch", "torch"),
                                         ("tf", "tensorflow"), ("mx", "mxnet"),
                                         (" jax ", "jax"), ("my_plugin", "my_plugin")])
def test_aliases_resolve_and_other_names_pass_through(alias, name):
    assert facts.canonical_backend(alias) == name


def test_d2l_tab_names_and_backends_map_both_ways():
    assert facts.d2l_tab("torch") == facts.d2l_tab("pytorch") == "pytorch"
    assert facts.backend_for_tab("pytorch") == "torch"
    assert facts.d2l_tab("numpy") is None and facts.backend_for_tab("theano") is None
    assert {facts.backend_for_tab(t) for t in facts.D2L_TABS} <= set(facts.BACKENDS)


def _tuple_literals(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
            yield path, node.lineno, tuple(e.value for e in node.elts)


@pytest.mark.parametrize("fact", ["DTYPES", "DERIVATIVE_OPS", "BACKENDS", "GPU_BACKENDS",
                                  "D2L_TABS"])
def test_no_module_declares_a_fact_again(fact):
    value = getattr(facts, fact)
    again = [f"{p.relative_to(REPO)}:{line}" for path in CODE if path.name != "facts.py"
             for p, line, found in _tuple_literals(path)
             if len(found) > 1 and set(found) == set(value)]
    assert not again, f"{fact} declared again (import it from harness.facts): {again}"


def test_run_accepts_a_backend_alias(harness, tmp_path):
    # the dtype is checked after the backends: its error proves `pytorch` was accepted
    result = harness("run", "--backends", "pytorch", "--dtypes", "float16",
                     "--out", tmp_path, timeout=60)
    assert result.returncode == 2
    assert "unknown dtype(s) float16" in result.stderr and "pytorch" not in result.stderr


def test_bench_accepts_a_backend_alias(harness, tmp_path):
    result = harness("bench", "--backends", "tf", "--dtypes", "float16", "--out", tmp_path,
                     timeout=60)
    assert result.returncode == 2
    assert "unknown dtype(s) float16" in result.stderr and "tf" not in result.stderr.split()


def test_doc_accepts_a_backend_name_for_the_default_tab(harness, tmp_path):
    chapter = REPO / "tests" / "doc" / "fixtures" / "default_tab.md"
    result = harness("doc", chapter, "--default-tab", "torch", "--tabs", "nosuch",
                     "--out", tmp_path, timeout=60)
    assert result.returncode == 2
    assert "--tabs nosuch" in result.stderr and "default-tab" not in result.stderr
