"""The d2l shim's tensor helpers in all four frameworks, and cells that cannot run offline.

tests/doc/fixtures/d2l_helpers.md runs one `#@tab all` program through `d2l.arange`,
`d2l.numpy`, `d2l.reshape`, ... in every tab; each printed line is checked against
its closed form (not against another framework). Its `d2l.download` cell and its
`import torchvision` cell are reported as not compared, with the reason, and the
chapter still exits 0.
"""

import ast
import math

import pytest
from doc_helpers import FIXTURES, run_doc

TABS = ("mxnet", "pytorch", "tensorflow", "jax")
EXPECTED = {
    "arange": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    "reshape": [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]],
    "sum": 6.5, "mean": 2.0, "size": 6, "matmul": [[11.0]],
    "exp": math.e, "log": math.log(2.0), "sin": math.sin(0.5),
    "linspace": [0.0, 0.25, 0.5, 0.75, 1.0],
    "concat": [[0.0, 0.0], [1.0, 1.0]], "stack": [[0.0, 0.0], [1.0, 1.0]],
    "transpose": [[1.0], [2.0]], "argmax": 1, "abs": [1.5, 2.0],
    "eye": [[1.0, 0.0], [0.0, 1.0]],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_doc(FIXTURES / "d2l_helpers.md", tmp_path_factory.mktemp("d2l") / "out",
                   "--no-cases", "--default-tab", "mxnet")


def _printed(text):
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        out[name] = ast.literal_eval(value)
    return out


@pytest.mark.parametrize("tab", TABS)
def test_every_helper_gives_the_closed_form_in(run, tab):
    (cell,) = [o for o in run.outputs(tab) if o["stdout"].startswith("arange")]
    assert cell["status"] == "ok", cell["error"]
    printed = _printed(cell["stdout"])
    assert set(printed) == set(EXPECTED)
    for name, want in EXPECTED.items():
        got = printed[name]
        if isinstance(want, float):
            assert math.isclose(got, want, rel_tol=1e-6), (tab, name, got)
        else:
            assert got == want, (tab, name, got)


def test_a_download_and_a_package_without_a_build_are_not_compared_with_the_reason(run):
    assert run.rc == 0, run.stdout + run.stderr
    assert run.findings("error") == []
    offline = [f for f in run.findings("not_compared") if "download" in f["reason"]]
    assert sorted(t for f in offline for t in f["tabs"]) == sorted(TABS)
    (vision,) = [f for f in run.findings("not_compared") if "torchvision" in f["reason"]]
    assert vision["tabs"] == ["pytorch"] and "CPU build" in vision["reason"]


def test_the_tensorflow_tab_has_the_book_s_tensorflow_probability(run):
    (cell,) = [o for o in run.outputs("tensorflow") if "normal cdf" in o["stdout"]]
    assert cell["status"] == "ok", cell["error"]
    assert float(cell["stdout"].split()[-1]) == 0.5        # the standard normal's median
