"""What a cell's source says about its values: names it reads, names it binds, and
which of its values are per-run facts (object identities, timings) that never agree.
"""

import ast

# Calls whose result differs from run to run by design: never compared.
VOLATILE_CALLS = {
    "id": "object identity (id())", "hash": "object identity (hash())",
    "time": "timing", "perf_counter": "timing", "monotonic": "timing",
    "process_time": "timing", "time_ns": "timing", "perf_counter_ns": "timing",
    "now": "timing (wall-clock time)", "timeit": "timing",
    "Timer": "timing", "getpid": "process id", "uuid4": "random id",
}


def _parse(source: str):
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _call_name(node) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def loaded_names(source: str) -> set:
    """Names the cell reads (so a value it computes may carry an earlier one's)."""
    tree = _parse(source)
    if tree is None:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _targets(node) -> set:
    names = set()
    for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
        names |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def volatile(source: str) -> tuple:
    """({name: reason} for names bound from a volatile call, reason printed output is
    volatile or None)."""
    tree = _parse(source)
    if tree is None:
        return {}, None
    names, printed = {}, None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value:
            why = _volatile_call(node.value)
            if why:
                names.update({n: why for n in _targets(node)})
        if isinstance(node, ast.Call) and _call_name(node) == "print":
            printed = printed or next(filter(None, (_volatile_call(a) for a in node.args)), None)
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr):
        printed = printed or _volatile_call(last.value)
    for node in ast.walk(tree):       # values computed from a volatile name are volatile too
        if isinstance(node, ast.Assign) and loaded_names_of(node.value) & set(names):
            names.update({n: names[next(iter(loaded_names_of(node.value) & set(names)))]
                          for n in _targets(node)})
    if printed is None and names:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) == "print" and any(
                    loaded_names_of(a) & set(names) for a in node.args):
                printed = names[next(iter(set().union(*(loaded_names_of(a) for a in node.args))
                                          & set(names)))]
    return names, printed


def loaded_names_of(node) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _volatile_call(node) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            name = _call_name(sub)
            if name in VOLATILE_CALLS:
                return VOLATILE_CALLS[name]
    return None
