"""run.json's versions: "harness-run/2" stores each distinct array once; /1 is still read.

In memory a run keeps every output inline (`{"dtype", "shape", "data"}`), as the
workers sent it. On disk (/2) each distinct array lives once in the top-level
"arrays" table under the hash of its content, and an output holds `{"array": key}`:
the grids a case evaluates on every backend, or the same value in several outputs,
are written once. `pack` makes the file's form, `unpack` the memory's, and `upgrade`
brings a /1 document (arrays inline, no tolerance classes) up to date.
Standard library only.
"""

import hashlib
import json

from harness.facts import EXACT, NUMERICAL

FORMAT = "harness-run/2"
PREVIOUS = "harness-run/1"
READS = (FORMAT, PREVIOUS)
_ARRAY_KEYS = {"dtype", "shape", "data"}


class SchemaError(ValueError):
    """A document that does not follow its declared version (the message says where)."""


def _is_array(value) -> bool:
    return isinstance(value, dict) and value.keys() == _ARRAY_KEYS


def array_key(encoded: dict) -> str:
    """The content hash an encoded array is stored under (dtype, shape and bytes)."""
    blob = json.dumps([encoded["dtype"], encoded["shape"], encoded["data"]]).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def pack(run: dict) -> dict:
    """The on-disk form: a shallow copy with every array output moved into "arrays"."""
    arrays: dict = {}
    results = []
    for result in run.get("results") or []:
        outputs = {}
        for name, value in (result.get("outputs") or {}).items():
            if _is_array(value):
                key = array_key(value)
                arrays.setdefault(key, value)
                value = {"array": key}
            outputs[name] = value
        results.append({**result, "outputs": outputs})
    return {**run, "format": FORMAT, "results": results, "arrays": arrays}


def unpack(run: dict) -> dict:
    """The in-memory form of a /2 document: references replaced by their arrays (a file
    whose outputs are all inline needs no "arrays")."""
    arrays = run.pop("arrays", {})
    if not isinstance(arrays, dict):
        raise SchemaError('"arrays" is not an object')
    results = run.get("results")
    for i, result in enumerate(results if isinstance(results, list) else []):
        outputs = result.get("outputs") if isinstance(result, dict) else None
        for name, value in (outputs if isinstance(outputs, dict) else {}).items():
            if isinstance(value, dict) and value.keys() == {"array"}:
                if not _is_array(arrays.get(value["array"])):
                    raise SchemaError(f"results[{i}] output {name!r} refers to array "
                                      f"{value['array']!r}, which \"arrays\" does not hold")
                outputs[name] = dict(arrays[value["array"]])
    return run


def upgrade(run: dict) -> dict:
    """A document read from disk, in the current in-memory form (/1 or /2 accepted)."""
    if run.get("format") == FORMAT:
        return unpack(run)
    for result in run.get("results") or []:
        outputs = result.get("outputs") if isinstance(result, dict) else None
        if isinstance(outputs, dict) and "tolerance_classes" not in result:
            methods = result.get("methods") if isinstance(result.get("methods"), dict) else {}
            result["tolerance_classes"] = {name: _v1_class(methods.get(name))
                                           for name in outputs}
    run["format"] = FORMAT
    return run


# harness-run/1 recorded no tolerance class: its orchestrator inferred it from these
# words in the method description, and a /1 file is read the way it was written.
_V1_NUMERICAL_WORDS = ("finite", "numdifftools", "numerical", "central-difference", "richardson")


def _v1_class(method) -> str:
    text = str(method or "").lower()
    return NUMERICAL if any(word in text for word in _V1_NUMERICAL_WORDS) else EXACT
