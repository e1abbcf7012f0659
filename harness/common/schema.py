"""What the orchestrator accepts from outside: worker messages and run.json files.

Everything a worker sends and every field `harness compare` reads is checked here,
in one place, against a small declared schema, before any other code touches it:
well-formed JSON with a wrong type (`"outputs": ["g"]`, `"seconds": "fast"`) is then
a named problem ("results[3].outputs: a list, expected an object") instead of a
traceback far away. Strings are kept as they came (run.json is lossless); whatever
shows them escapes what a terminal, XML or HTML cannot take (harness.reports.view).
Standard library only (the orchestrator's rule).
"""

import math

from harness.facts import TOLERANCE_CLASSES


class SchemaError(ValueError):
    """`where` (a path such as results[3].outputs) does not hold what the schema says."""

    def __init__(self, where: str, what: str):
        super().__init__(f"{where}: {what}" if where else what)
        self.where, self.what = where, what


# JSON kinds in the order a value is tested (bool before int: True is an int in Python)
KIND_NAMES = {bool: "true/false", str: "a string", int: "an integer", float: "a number",
              list: "a list", dict: "an object"}


def _describe(value) -> str:
    if value is None:
        return "null"
    return next((name for kind, name in KIND_NAMES.items() if isinstance(value, kind)),
                type(value).__name__)


def _join(where: str, key) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


class Spec:
    """A schema node: check(value, where) raises SchemaError on the first mismatch."""

    expected = "a value"

    def check(self, value, where: str = "") -> None:
        raise NotImplementedError


class Kind(Spec):
    """A JSON scalar or container of one kind; numbers must be finite (and >= minimum)."""

    def __init__(self, kind, minimum=None):
        self.kind, self.minimum = kind, minimum
        self.expected = KIND_NAMES[kind]

    def check(self, value, where=""):
        numeric = self.kind in (int, float)
        ok = isinstance(value, (int, float) if self.kind is float else self.kind)
        if not ok or (numeric and isinstance(value, bool)):
            raise SchemaError(where, f"{_describe(value)}, expected {self.expected}")
        if numeric:
            try:
                finite = math.isfinite(value)
            except OverflowError:
                finite = False
            if not finite:
                text = str(value) if len(str(value)) <= 20 else f"{str(value)[:16]}..."
                raise SchemaError(where, f"{text} is not a finite number")
            if self.minimum is not None and value < self.minimum:
                raise SchemaError(where, f"{value!r} is below {self.minimum}")


class Nullable(Spec):
    def __init__(self, spec: Spec):
        self.spec, self.expected = spec, f"{spec.expected} or null"

    def check(self, value, where=""):
        if value is not None:
            try:
                self.spec.check(value, where)
            except SchemaError as exc:
                if exc.where != where:  # a field inside the value: its own words
                    raise
                raise SchemaError(where, exc.what.replace(
                    f"expected {self.spec.expected}", f"expected {self.expected}")) from None


class OneOf(Spec):
    def __init__(self, *values):
        self.values = values
        self.expected = "one of " + ", ".join(map(str, values))

    def check(self, value, where=""):
        if not isinstance(value, str) or value not in self.values:
            raise SchemaError(where, f"{str(value)[:40]!r}, expected {self.expected}")


class Either(Spec):
    def __init__(self, *specs):
        self.specs = specs
        self.expected = " or ".join(s.expected for s in specs)

    def check(self, value, where=""):
        for spec in self.specs:
            try:
                return spec.check(value, where)
            except SchemaError:
                continue
        raise SchemaError(where, f"{_describe(value)}, expected {self.expected}")


class Obj(Spec):
    """An object whose listed fields, where present, match; `required` ones must be present.

    Fields not listed are allowed (a newer writer may add some) and left unchecked."""

    expected = "an object"

    def __init__(self, fields: dict, required=()):
        self.fields, self.required = fields, tuple(required)

    def check(self, value, where=""):
        if not isinstance(value, dict):
            raise SchemaError(where, f"{_describe(value)}, expected an object")
        for name in self.required:
            if name not in value:
                raise SchemaError(_join(where, name), "missing")
        for name, spec in self.fields.items():
            if name in value:
                spec.check(value[name], _join(where, name))


class _Each(Spec):
    """A container of `kind` (dict or list) whose every item matches `spec`."""

    kind: type = list

    def __init__(self, spec: Spec):
        self.spec = spec

    def check(self, value, where=""):
        if not isinstance(value, self.kind):
            raise SchemaError(where, f"{_describe(value)}, expected {self.expected}")
        for key, item in value.items() if self.kind is dict else enumerate(value):
            self.spec.check(item, _join(where, key))


class MapOf(_Each):
    """An object with any keys, every value matching `spec`."""

    kind, expected = dict, "an object"


class ListOf(_Each):
    """A list, every item matching `spec`."""

    kind, expected = list, "a list"


STR, INT, OBJECT, LIST = Kind(str), Kind(int), Kind(dict), Kind(list)
SECONDS = Kind(float, minimum=0)
TEXT_OR_NULL = Nullable(STR)
ERROR = Obj({"type": STR, "message": STR, "traceback": STR}, required=("type", "message"))
ENCODED = Obj({"dtype": STR, "shape": ListOf(Kind(int, minimum=0)), "data": STR,
               "python_type": STR, "repr": STR})
OUTPUTS = MapOf(ENCODED)
METHODS = MapOf(TEXT_OR_NULL)
CLASSES = MapOf(OneOf(*TOLERANCE_CLASSES))   # per output: exact or numerical
CASE_META = Obj({"id": STR, "title": STR, "section": STR, "order": INT,
                 "outputs": ListOf(STR), "inputs": OBJECT, "ops": MapOf(STR),
                 "figures": ListOf(OBJECT), "chapter_variables": MapOf(STR), "notes": STR},
                required=("id",))

# ---- harness-worker/1 (see harness.common.protocol) ----------------------------------------

MESSAGES = {
    "hello": Obj({"backend": STR, "version": TEXT_OR_NULL, "python": TEXT_OR_NULL,
                  "platform": TEXT_OR_NULL, "methods": METHODS,
                  "threads": MapOf(Nullable(Either(INT, STR))), "pid": Nullable(INT),
                  "numpy": TEXT_OR_NULL, "packages": Nullable(MapOf(TEXT_OR_NULL)),
                  "error": Nullable(ERROR)}),
    "case": Obj({"case": STR, "meta": CASE_META}, required=("case",)),
    "start": Obj({"case": STR, "dtype": STR}, required=("case", "dtype")),
    "result": Obj({"case": STR, "dtype": STR, "status": OneOf("ok", "error", "unsupported"),
                   "outputs": OUTPUTS, "methods": METHODS, "tolerance_classes": CLASSES,
                   "error": Nullable(ERROR), "seconds": Nullable(SECONDS)},
                  required=("case", "dtype", "status")),
    "bye": Obj({"seconds": Nullable(SECONDS)}),
}


def check_message(msg: dict) -> tuple[dict | None, str | None]:
    """(message to act on, problem) for a decoded harness-worker/1 message.

    A valid message comes back as it is, with no problem. A malformed result that
    still names its case and dtype comes back as an `error` result saying what was
    wrong (its task is answered, the worker goes on); another malformed message comes
    back without its bad fields, or as None when a field it needs was bad: report the
    problem and skip it."""
    spec = MESSAGES[msg["type"]]
    try:
        spec.check(msg)
        return msg, None
    except SchemaError as exc:
        problem = f"{msg['type']} message: {exc}"
    task = {k: msg.get(k) for k in ("case", "dtype")}
    if msg["type"] != "result":
        return _without_bad_fields(msg, spec), problem
    if not all(isinstance(v, str) for v in task.values()):
        return None, problem
    stand_in = {"type": "result", **task, "status": "error", "outputs": {}, "methods": {},
                "seconds": None, "error": {"type": "ProtocolError", "traceback": "",
                                           "message": f"the worker sent a malformed {problem}"}}
    return stand_in, problem


def _without_bad_fields(msg: dict, spec: Obj) -> dict | None:
    kept = {}
    for key, value in msg.items():
        try:
            if key in spec.fields:
                spec.fields[key].check(value, key)
            kept[key] = value
        except SchemaError:
            continue
    try:
        spec.check(kept)
        return kept
    except SchemaError:
        return None


# ---- run.json as `compare` reads it (see harness.run.results), once harness.run.schema ----
# ---- has put every array back in its output (harness-run/2) or upgraded a harness-run/1 ----

STATUSES = ("ok", "error", "unsupported", "crashed", "timeout", "interrupted")
RUN_RESULT = Obj({"case": STR, "backend": STR, "dtype": STR, "status": OneOf(*STATUSES),
                  "outputs": OUTPUTS, "methods": Nullable(METHODS),
                  "tolerance_classes": Nullable(CLASSES), "error": Nullable(ERROR),
                  "seconds": Nullable(SECONDS)},
                 required=("case", "backend", "dtype", "status", "outputs"))
RUN_FILE = Obj({
    "format": STR,
    "results": ListOf(RUN_RESULT),
    "cases": Nullable(ListOf(CASE_META)),
    "problems": Nullable(ListOf(Obj({"kind": STR, "backend": TEXT_OR_NULL,
                                     "case": TEXT_OR_NULL, "dtype": TEXT_OR_NULL,
                                     "detail": STR}, required=("kind", "detail")))),
    "seeds": Nullable(OBJECT),
    "environment": Nullable(Obj({"python": TEXT_OR_NULL, "platform": TEXT_OR_NULL,
                                 "backends": Nullable(MapOf(Obj({
                                     "version": TEXT_OR_NULL, "python": TEXT_OR_NULL,
                                     "platform": TEXT_OR_NULL, "numpy": TEXT_OR_NULL,
                                     "env": TEXT_OR_NULL, "error": TEXT_OR_NULL,
                                     "methods": Nullable(METHODS)})))})),
    "timings": Nullable(Obj({"total_seconds": Nullable(SECONDS),
                             "backends": Nullable(MapOf(OBJECT)),
                             "cases": Nullable(MapOf(MapOf(MapOf(Nullable(SECONDS)))))})),
}, required=("format", "results"))


def check_run_file(doc) -> dict:
    """The run.json document, or SchemaError naming the first bad field."""
    RUN_FILE.check(doc)
    return doc
