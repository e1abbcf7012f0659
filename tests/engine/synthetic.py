"""Synthetic run results for behaviour tests: no worker, no numpy, standard library only.

The one place that knows how a result and a run.json that `harness compare` accepts
look, so the tests built on them follow a schema change in one edit. Values are
encoded exactly (harness.common.protocol), so a test controls every bit a verdict
sees. Numbers near a tolerance's edge are rounded to the dtype here, the way a
worker's float32 output would be.
"""

import json
import struct
from pathlib import Path

from harness.common.protocol import encode_floats

RUN_FORMAT = "harness-run/1"  # the oldest format `compare` must keep reading
# Method strings as the adapters report them: one per tolerance class.
METHODS = {"exact": "reverse-mode automatic differentiation",
           "numerical": "central-difference of reverse-mode gradient"}


def as_dtype(value: float, dtype: str) -> float:
    """`value` rounded to the nearest number of `dtype` (what an encoded array holds)."""
    return struct.unpack("<f", struct.pack("<f", value))[0] if dtype == "float32" else value


KIND_OF = {method: kind for kind, method in METHODS.items()}


def result(case, backend, outputs=None, dtype="float64", status="ok", methods=None,
           message=None, classes=None):
    """One run.json result; outputs {name: list of floats}, encoded in `dtype`; each
    output's tolerance class as a worker reports it (by default the class of its method
    in METHODS, else exact)."""
    encoded = {k: encode_floats([as_dtype(v, dtype) for v in vals], dtype=dtype)
               for k, vals in (outputs or {}).items()}
    error = None if message is None else {"type": "Injected", "message": message,
                                          "traceback": ""}
    return {"case": case, "backend": backend, "dtype": dtype, "status": status,
            "outputs": encoded if status == "ok" else {}, "methods": methods or {},
            "tolerance_classes": classes or {k: KIND_OF.get((methods or {}).get(k), "exact")
                                             for k in (encoded if status == "ok" else {})},
            "error": error, "seconds": 0.01}


def reference(case, outputs):
    return result(case, "reference", outputs, "float64",
                  methods={k: "reference" for k in outputs})


def write_run(path, results, cases=None) -> Path:
    """A run.json that `harness compare` reads: the given results and case ids."""
    ids = cases or list(dict.fromkeys(r["case"] for r in results))
    doc = {"format": RUN_FORMAT, "created": "2026-01-01T00:00:00+0000", "argv": [],
           "options": {}, "seeds": {}, "cases": [{"id": c, "order": i + 1}
                                                 for i, c in enumerate(ids)],
           "environment": {"python": None, "platform": None, "backends": {}},
           "timings": {"total_seconds": 0.0, "backends": {}, "cases": {}},
           "results": results, "problems": []}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def decoded_outputs(run: dict, case: str, backend: str, dtype: str) -> dict:
    """{output: flat list of floats} of one result in a run.json (as written by `run`,
    arrays stored once: harness.run.schema puts them back in their outputs)."""
    from harness.common.protocol import decode_array
    from harness.run.schema import FORMAT, upgrade

    if run.get("format") == FORMAT and "arrays" in run:
        run = upgrade(json.loads(json.dumps(run)))

    (res,) = [r for r in run["results"]
              if (r["case"], r["backend"], r["dtype"]) == (case, backend, dtype)]
    return {name: decode_array(value)[0] for name, value in res["outputs"].items()}
