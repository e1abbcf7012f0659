"""report.html: content from a synthetic run, figures or their absence, and a real browser.

Runs in the engine environment (no numpy): arrays are encoded with struct and
base64 exactly as workers send them. The figures need the numpy environment;
the browser check needs Chromium (`apt-get install -y chromium`).
"""

import base64
import math
import os
import shutil
import struct
import subprocess
from html.parser import HTMLParser

import pytest

from harness import envs
from harness.reports.html import write_report

HOSTILE = '<script>alert("x")</script> & "quotes"'
DTYPES = ("float32", "float64")
BACKENDS = ("numpy", "torch", "mxnet", "jax")


def encode(values, shape, dtype="float64"):
    code = {"float64": "d", "float32": "f"}[dtype]
    data = struct.pack(f"<{len(values)}{code}", *values)
    return {"dtype": dtype, "shape": list(shape), "data": base64.b64encode(data).decode()}


def curve_outputs(dtype, shift=0.0):
    xs = [-2 + 0.01 * i for i in range(500)]
    fs = [3 * x**4 - 4 * x**3 - 12 * x**2 + shift for x in xs]
    return {"x": encode(xs, [500], dtype), "f": encode(fs, [500], dtype),
            "critical_x": encode([-1.0, 0.0, 2.0], [3], dtype),
            "critical_f": encode([-5.0, 0.0, -32.0], [3], dtype)}


def surface_outputs(dtype, n=101):
    ticks = [-2 + 4 * i / (n - 1) for i in range(n)]
    gx = [x for x in ticks for _ in ticks]
    gy = [y for _ in ticks for y in ticks]
    z = [x * math.exp(-x * x - y * y) for x, y in zip(gx, gy)]
    w = [math.exp(-1) * (-1 - (x + 1) + (x + 1) ** 2 + y * y) for x, y in zip(gx, gy)]
    return {k: encode(v, [n, n], dtype) for k, v in
            {"grid_x": gx, "grid_y": gy, "f_grid": z, "quadratic_grid": w}.items()}


CURVE = {"kind": "curve", "title": "critical points", "x": "x", "y": "f",
         "marks_x": "critical_x", "marks_y": "critical_f"}
SURFACE = {"kind": "surface", "title": "quadratic approximation", "x": "grid_x",
           "y": "grid_y", "z": "f_grid", "z2": "quadratic_grid"}


def make_run(n_plain=1, n=101, backends=BACKENDS):
    """A run.json dict: a curve case, a surface case, a hostile title, a few findings."""
    cases = [
        {"id": "critical_points", "title": "Critical points of f", "section": "Otimização",
         "order": 1, "figures": [CURVE], "outputs": list(curve_outputs("float64"))},
        {"id": "quadratic_approx", "title": "Quadratic approximation", "section": "Hessianas",
         "order": 2, "figures": [SURFACE]},
        {"id": "hostile", "title": HOSTILE, "section": HOSTILE, "order": 3, "figures": []},
    ] + [{"id": f"plain_{i}", "title": f"plain {i}", "order": 4 + i, "figures": []}
         for i in range(n_plain)]
    outputs = {"critical_points": curve_outputs, "quadratic_approx":
               lambda d: surface_outputs(d, n), "hostile": lambda d: {"v": encode([1.0], [1], d)}}
    results, verdicts = [], []
    for case in cases:
        make = outputs.get(case["id"], lambda d: {"v": encode([2.0] * (n * n), [n, n], d)})
        results.append({"case": case["id"], "backend": "reference", "dtype": "float64",
                        "status": "ok", "outputs": make("float64"), "methods": {},
                        "error": None, "seconds": 0.01})
        for backend in backends:
            for dtype in DTYPES:
                status, error, out = "ok", None, make(dtype)
                if (case["id"], backend, dtype) == ("critical_points", "mxnet", "float32"):
                    status, out = "error", {}
                    error = {"type": "MXNetError", "message": "boom <b>bold</b>",
                             "traceback": "Traceback (most recent call last):\n  mxnet <frame>"}
                if (case["id"], backend, dtype) == ("critical_points", "jax", "float64"):
                    out = curve_outputs(dtype, shift=0.5)  # visibly off in the figure
                results.append({"case": case["id"], "backend": backend, "dtype": dtype,
                                "status": status, "outputs": out, "methods": {},
                                "error": error, "seconds": 0.02})
                for name in (out or {"f": None}):
                    verdict = {"agree": "agree", "ok": "agree"}.get(status, status)
                    v = {"case": case["id"], "output": name, "backend": backend,
                         "dtype": dtype, "verdict": verdict, "max_abs": 0.0, "max_rel": 0.0,
                         "tolerance": "rtol=1e-09, atol=1e-11", "method": "reverse",
                         "odd_one_out": None, "detail": ""}
                    if (case["id"], backend, dtype) == ("critical_points", "jax", "float64") \
                            and name == "f":
                        v.update(verdict="disagree", max_abs=0.5, max_rel=0.03125,
                                 odd_one_out="jax", detail="max abs err 0.5 at index (0,)")
                    if (case["id"], backend) == ("hostile", "torch"):
                        v.update(verdict="unsupported", detail=HOSTILE)
                    verdicts.append(v)
    summary = {}
    for v in verdicts:
        summary[v["verdict"]] = summary.get(v["verdict"], 0) + 1
    return {
        "format": "harness-run/1", "created": "2026-11-26T10:00:00+0000",
        "argv": ["run", "--cases", HOSTILE], "options": {"dtypes": list(DTYPES)},
        "seeds": {"global": 0},
        "environment": {"python": "3.11.7", "platform": "Linux-x86_64", "backends": {
            b: {"version": "1.0", "python": "3.11.7", "threads": 1, "env": f".envs/{b}",
                "methods": {"grad": "reverse", "hessian": "forward-over-reverse"}}
            for b in backends}},
        "timings": {"total": 12.5, "per_backend": {b: 3.0 for b in backends}},
        "cases": cases, "results": results, "verdicts": verdicts, "summary": summary,
        "pairwise": [{"case": "critical_points", "output": "f", "dtype": "float64", "a": "jax",
                      "b": "torch", "agree": False, "max_abs": 0.5, "max_rel": 0.03125,
                      "tolerance": {"rtol": 1e-9, "atol": 1e-11}, "detail": "pair-detail"}],
        "findings": [],
        "problems": [{"kind": "junk", "backend": "mxnet", "case": "hostile", "dtype": "float32",
                      "detail": "stray output: " + HOSTILE}],
        "exit_status": 1,
    }


class Cells(HTMLParser):
    """Collects matrix cells, detail rows, images and text of a page."""

    def __init__(self):
        super().__init__()
        self.cells, self.images, self.detail_rows, self.text = {}, [], 0, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and "data-verdict" in a:
            self.cells[(a["data-case"], a["data-backend"], a["data-dtype"])] = a["data-verdict"]
        elif tag == "img":
            self.images.append(a)
        elif tag == "tr" and a.get("class") == "detail":
            self.detail_rows += 1

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> Cells:
    p = Cells()
    p.feed(page)
    return p


def plots_ready() -> bool:
    return envs.status("numpy")["state"] == "ready"


def numpy_env_python():
    if not plots_ready():
        if os.environ.get("HARNESS_SKIP_PLOTS") == "1":
            pytest.skip("HARNESS_SKIP_PLOTS=1: figures not checked")
        pytest.fail("the figures are drawn in the numpy environment, which is not ready:"
                    " run `python -m harness envs --create numpy` (or set HARNESS_SKIP_PLOTS=1)")
    return envs.env_python("numpy")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The page of the synthetic run (figures drawn when the numpy environment is ready)."""
    out = tmp_path_factory.mktemp("report")
    path = write_report(make_run(), out)
    return path, path.read_text(encoding="utf-8")


def test_writes_report_html_atomically(report):
    path, page = report
    assert path.name == "report.html"
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]  # no temp left
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_matrix_has_a_cell_per_case_backend_dtype(report):
    cells = parse(report[1]).cells
    n_cases = 4
    assert len(cells) == n_cases * (len(BACKENDS) + 1) * len(DTYPES)
    assert cells[("critical_points", "jax", "float64")] == "disagree"
    assert cells[("critical_points", "jax", "float32")] == "agree"
    assert cells[("critical_points", "mxnet", "float32")] == "error"
    assert cells[("hostile", "torch", "float64")] == "unsupported"
    assert cells[("quadratic_approx", "torch", "float64")] == "agree"
    # the reference (float64 only) is shown in both dtype tables
    assert cells[("quadratic_approx", "reference", "float32")] == "ok"
    assert 'class="v-disagree"' in report[1]


def test_details_list_every_verdict_that_is_not_agree(report):
    run, page = make_run(), report[1]
    not_agree = [v for v in run["verdicts"] if v["verdict"] != "agree"]
    assert parse(page).detail_rows == len(not_agree) == 1 + 1 + 2  # disagree, error, 2 unsupp.
    text = "".join(parse(page).text)
    assert "0.03125" in text and "0.5" in text  # max rel, max abs
    assert "rtol=1e-09, atol=1e-11" in text and "reverse" in text
    assert "MXNetError: boom <b>bold</b>" in text  # error message, shown as text
    assert "mxnet <frame>" in text  # traceback
    assert "pair-detail" in text  # pairs of backends that disagree
    assert "stray output: " + HOSTILE in text  # problems the run met


def test_hostile_text_is_escaped(report):
    page = report[1]
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert "<b>bold</b>" not in page
    assert "Content-Security-Policy" in page and "http://" not in page and "https://" not in page


def test_environment_and_timings(report):
    text = "".join(parse(report[1]).text)
    assert "Linux-x86_64" in text and "3.11.7" in text and "forward-over-reverse" in text
    assert "12.5" in text


def png_size(uri):
    assert uri.startswith("data:image/png;base64,")
    data = base64.b64decode(uri.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_figures_drawn_from_each_backend_side_by_side(report):
    numpy_env_python()
    page = parse(report[1])
    images = page.images
    assert len(images) == 2 * len(DTYPES)  # curve and surface, per dtype
    for img in images:
        width, height = png_size(img["src"])
        assert width > 4 * height  # five panels side by side
    alts = [img["alt"] for img in images]
    assert all(all(b in alt for b in ("reference",) + BACKENDS) for alt in alts)
    curve32 = next(a for a in alts if "critical_points" in a and "[float32]" in a)
    assert "mxnet (no output: error)" in curve32
    assert "reference (float64)" in curve32
    curve64 = next(a for a in alts if "critical_points" in a and "[float64]" in a)
    assert "jax [disagree]" in curve64 and "torch [" not in curve64  # the finding is flagged



def test_a_surface_panel_without_output_says_so_and_the_figure_is_drawn(tmp_path):
    """A 3-d panel has no 2-d text(): its "no output" note must not cost the whole figure."""
    numpy_env_python()
    run = make_run(n=21)
    for r in run["results"]:
        if (r["case"], r["backend"], r["dtype"]) == ("quadratic_approx", "torch", "float64"):
            r.update(status="error", outputs={},
                     error={"type": "RuntimeError", "message": "boom", "traceback": ""})
    page = write_report(run, tmp_path).read_text()
    alts = [img["alt"] for img in parse(page).images]
    (surface,) = [a for a in alts if "quadratic_approx" in a and "[float64]" in a]
    assert "torch (no output: error)" in surface
    assert len(alts) == 2 * len(DTYPES)

def test_figures_unavailable_are_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_ENV_DIR", str(tmp_path / "no-envs"))
    page = write_report(make_run(), tmp_path).read_text()
    parsed = parse(page)
    assert parsed.images == []
    assert "figures-unavailable" in page and "python -m harness envs --create numpy" in page
    assert parsed.cells[("critical_points", "jax", "float64")] == "disagree"  # rest is there


def test_plotting_failure_is_explained(tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'matplotlib exploded' >&2\nexit 3\n")
    fake.chmod(0o755)
    page = write_report(make_run(), tmp_path, plot_python=fake).read_text()
    assert parse(page).images == []
    assert "exit status 3" in page and "matplotlib exploded" in page


def find_chromium():
    for name in (os.environ.get("HARNESS_CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome", "google-chrome-stable"):
        if name and shutil.which(name):
            return shutil.which(name)
    if os.environ.get("HARNESS_SKIP_BROWSER") == "1":
        pytest.skip("HARNESS_SKIP_BROWSER=1: report.html not rendered in a browser")
    pytest.fail("report.html must be rendered in headless Chromium, which is not installed:"
                " `apt-get update && apt-get install -y chromium` (Debian/Ubuntu), or set"
                " HARNESS_CHROMIUM=/path/to/chrome; HARNESS_SKIP_BROWSER=1 skips this test")


def chromium(tmp_path, *args):
    cmd = [find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_report_renders_in_headless_chromium(report, tmp_path):
    url = report[0].resolve().as_uri()
    dom = chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = parse(dom.stdout)
    assert len(rendered.cells) == len(parse(report[1]).cells) > 0
    assert rendered.cells[("critical_points", "jax", "float64")] == "disagree"
    assert len(rendered.images) == (2 * len(DTYPES) if plots_ready() else 0)
    assert "<script" not in dom.stdout.lower()  # the hostile title stayed text

    shot = tmp_path / "report.png"
    run = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,3000",
                   "--hide-scrollbars", url)
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    width, height = png_size("data:image/png;base64," + base64.b64encode(
        shot.read_bytes()).decode())
    assert (width, height) == (1400, 3000)
    if os.environ.get("HARNESS_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["HARNESS_KEEP_SCREENSHOT"])

