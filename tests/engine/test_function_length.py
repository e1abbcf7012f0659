"""No function in the engine (harness/) is longer than 60 lines: small, named steps."""

import ast
from pathlib import Path

LIMIT = 60
ENGINE = Path(__file__).resolve().parents[2] / "harness"


def test_no_function_in_harness_is_over_60_lines():
    long = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > LIMIT:
                    long.append(f"{path.relative_to(ENGINE.parent)}:{node.lineno} "
                                f"{node.name} ({lines} lines)")
    assert not long, "split these functions:\n" + "\n".join(long)
