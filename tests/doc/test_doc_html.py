"""doc.html an author reads in ten seconds, checked on the fixture book's drift chapter.

The summary comes first (one line per finding: kind, section, odd tab, link); each
finding shows every tab's source side by side with the differing lines marked, the
values that disagree and the markdown lines; the rest is folded. Rendered in headless
Chromium (as tests/engine/test_report_html.py does) at a desktop and a phone size:
the summary must be on the first screen and the page must not scroll sideways.
"""

import importlib.util
import json
import re
import subprocess
import sys

import pytest
from doc_helpers import FIXTURES

from harness import REPO_ROOT

CHAPTER = FIXTURES / "book" / "chapter_drift" / "drift.md"
_spec = importlib.util.spec_from_file_location(
    "report_html_browser", REPO_ROOT / "tests" / "engine" / "test_report_html.py")
browser = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(browser)

PROBE = """<script>(function(){
var s=document.getElementById('summary').getBoundingClientRect();
var items=document.querySelectorAll('ol.summary li');
var last=items[items.length-1].getBoundingClientRect();
document.body.setAttribute('data-probe', JSON.stringify({top:s.top, bottom:last.bottom,
 items:items.length, height:innerHeight, width:innerWidth,
 scroll:document.documentElement.scrollWidth}));})();</script></body>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    proc = subprocess.run([sys.executable, "-m", "harness", "doc", str(CHAPTER), "--no-cases",
                           "--out", str(out)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    return out, (out / "doc.html").read_text(), json.loads((out / "doc.json").read_text())


def test_the_summary_comes_first_with_one_line_per_finding(page):
    _, html, doc = page
    drift = [i for i, f in enumerate(doc["findings"]) if f["kind"] == "drift"]
    summary = html[html.index("<section id='summary'>"):html.index("</section>")]
    assert html.index("<section id='summary'>") < html.index("<details")
    assert html.index("<section id='summary'>") < html.index("<section id='findings'>")
    lines = re.findall(r"<li>(.*?)</li>", summary)
    assert len(lines) == len(drift) > 0
    for i, line in zip(drift, lines):
        assert f"href='#finding-{i}'" in line and f"id='finding-{i}'" in html
        assert "drift" in line and "[A slope]" in line and "odd tab <b>tensorflow</b>" in line


def test_each_finding_shows_every_tab_s_source_with_the_differing_line_marked(page):
    _, html, doc = page
    i = next(i for i, f in enumerate(doc["findings"]) if f["kind"] == "drift")
    article = html[html.index(f"id='finding-{i}'"):]
    article = article[:article.index("</article>")]
    text = CHAPTER.read_text().splitlines()
    wrong = text.index("slope = (3.0 - 9.0) / (4.0 - 1.0)") + 1          # 1-based
    right = text.index("slope = (9.0 - 3.0) / (4.0 - 1.0)") + 1
    # the odd tab's line is marked; the line two of three tabs share is not
    assert "<mark>slope = (3.0 - 9.0) / (4.0 - 1.0)</mark>" in article
    assert "slope = (9.0 - 3.0) / (4.0 - 1.0)" in article
    assert "<mark>slope = (9.0 - 3.0) / (4.0 - 1.0)</mark>" not in article
    ranges = [(int(a), int(b)) for a, b in re.findall(r"drift\.md:(\d+)-(\d+)", article)]
    assert any(a <= wrong <= b for a, b in ranges) and any(a <= right <= b for a, b in ranges)
    assert "[-2]" in article and "[2]" in article           # the values that disagree


def test_agreeing_cells_and_the_console_are_folded_and_the_page_is_self_contained(page):
    _, html, _ = page
    sums = html.index("Agreeing sums</h3>")
    assert html[sums:].startswith("Agreeing sums</h3><details>")     # folded, not open
    assert "<details id='console'>" in html and "<details id='layout'>" in html
    assert "name='viewport'" in html and "<nav id='toc'>" in html
    assert not re.search(r"(src|href)=['\"](https?:|//)", html) and "<link" not in html
    assert "<script" not in html


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_the_summary_is_on_the_first_screen_in_chromium(page, tmp_path, width, height):
    out, html, _ = page
    probe = out / f"probe-{width}.html"
    probe.write_text(html.replace("</body>", PROBE))
    dom = browser.chromium(tmp_path, f"--window-size={width},{height}", "--dump-dom",
                           probe.resolve().as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert found, dom.stdout[:2000]
    seen = json.loads(found.group(1).replace("&quot;", '"'))
    assert seen["items"] >= 1
    assert 0 <= seen["top"] < seen["bottom"] <= seen["height"], seen
    assert seen["scroll"] <= seen["width"], seen          # no sideways scrolling of the page
    shot = tmp_path / "shot.png"
    run = browser.chromium(tmp_path, f"--window-size={width},{height}", f"--screenshot={shot}",
                           "--hide-scrollbars", (out / "doc.html").resolve().as_uri())
    assert run.returncode == 0 and shot.is_file()
