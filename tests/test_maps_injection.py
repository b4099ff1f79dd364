"""Texts from data cannot run as script in the maps and reports (issue 11, "Trust").

The inputs are synthetic (tests/_injection.py): every name, source, quality note, category,
label and title of a small made-up city holds script-injection payloads after a unique
marker. The maps (HTML + JavaScript), report.md and the HTML reports are checked for
unescaped payloads, for every marker showing escaped, and – for the HTML – that a parser
finds no element from data and reads the payload back as literal text. A scenario run
checks the scenario title and an intervention's name the same way. Real Chromium opening
every tooltip and popup is in tests/test_browser.py.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import _injection as inj
import _maps_common as mc
import pytest

from proximity._text import html_text

#: The markers (see tests/_injection.py) that must show in each output.
AREAS = [f"mkarea{i}" for i in range(1, 5)]
SERVICES = [*(f"mkservice{s}" for s in ("s1", "s3", "s5", "s6", "s7", "o1")), "mkservicecat"]
UNLOCATED = ["mkunlocated1", "mkunlocated2", "mkunlocated3"]
EXPECTED = {
    "map": [
        *AREAS,
        *SERVICES,
        *UNLOCATED,
        "mkareaquality",
        "mkcategory",
        "mkdemandquality",
        "mknonprofitlabel",
        "mkservicequality",
        "mkservicesource",
        "mksitenonprofit",
        "mksitenpkind",
        "mktitle",
    ],
    "map_category": [
        *AREAS,
        *UNLOCATED,
        "mkcity",
        "mkcategory",
        "mkservicecat",
        "mknonprofit1",
        "mknonprofitkind",
    ],
    "map_subareas": [*(f"mksubarea{i}" for i in range(1, 5)), "mksubareaquality", "mkmethod"],
    "report": [
        *AREAS,
        *UNLOCATED,
        "mkareaquality",
        "mkcategory",
        "mkdatasource",
        "mkdemandquality",
        "mkhash",
        "mklicence",
        "mknonprofitlabel",
        "mkpurpose",
        "mkservicequality",
        "mksite1",
        "mksite2",
        "mksite3",
        "mksitenonprofit",
        "mksolver",
        "mktitle",
    ],
    "category": [*AREAS, *UNLOCATED, "mkcity", "mkcategory"],
    "profile": [
        "mksubarea1",
        "mkmethod",
        "mkcandidate1",
        "mkcandidate2",
        "mkcandidatesource",
        "mkservices1",
        "mkcategory",
    ],
    "area": ["mkarea2", "mkservices1", "mkcategory"],
}
#: The start of a field's text, HTML-escaped (category labels turn "__" into spaces).
ESCAPED_HTML = " &lt;img src=x onerror=&quot;window."
ESCAPED_MD = ' &lt;img src=x onerror="window.'
SCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("injection")
    return {k: p.read_text("utf-8") for k, p in inj.write_outputs(folder).items()}


def _without_titles(page: str) -> str:
    """The page, JavaScript escapes decoded, without the markers' ``title`` texts.

    ``properties._title`` is the marker's hover text: Leaflet sets it as a DOM property
    (``icon.title = …``), never as HTML, so it keeps the name as it is.
    """
    return mc.text(re.sub(r'"_title":"(?:[^"\\]|\\.)*"', '"_title":""', page))


class _Page(HTMLParser):
    """The elements, the text and the script blocks of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def _parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    p.close()
    return p


# ---- maps ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["map", "map_category", "map_subareas"])
def test_map_shows_every_payload_escaped(outputs, name):
    page = outputs[name]
    for raw in inj.RAW:  # nowhere in the page as written …
        assert raw not in page, raw
    shown = _without_titles(page)
    for raw in inj.RAW:  # … nor in any text that Leaflet inserts as HTML
        assert raw not in shown, (raw, shown[max(0, shown.find(raw) - 300) : shown.find(raw) + 80])
    for marker in EXPECTED[name]:
        assert marker + ESCAPED_HTML in shown, marker
    assert "&lt;/script&gt;&lt;script&gt;window." in shown
    assert "&quot;&#x27;&gt;&lt;svg onload=window." in shown
    assert not SCRIPT_URL.search(shown)


@pytest.mark.parametrize("name", ["map", "map_category", "map_subareas"])
def test_map_script_blocks_stay_closed(outputs, name):
    parsed = _parse(outputs[name])
    assert not {"svg", "img", "iframe", "object"} & parsed.tags
    # a "</script>" from data would end a script block and start one of its own
    assert not any(s.strip().startswith("window.__pwned") for s in parsed.scripts)


def test_map_marker_hover_text_is_the_plain_name(outputs):
    """The one text not escaped: ``_title`` becomes ``icon.title`` (a DOM property)."""
    titles = [
        json.loads(f'"{t}"') for t in re.findall(r'"_title":"((?:[^"\\]|\\.)*)"', outputs["map"])
    ]
    assert inj.bad("mkservices1") in titles


def test_layer_control_names_are_escaped(outputs):
    """Leaflet's layer control inserts the names as HTML."""
    page = outputs["map"]
    lc = page[page.index("_layers = {") : page.index("L.control.layers(")]
    names = [json.loads(k) for k in re.findall(r'^\s*("(?:[^"\\]|\\.)*")\s*:', lc, re.M)]
    data_names = [n for n in names if "mkcategory" in n]
    assert len(data_names) >= 2  # the service layer and the reached-area layer
    for n in names:
        assert "<" not in n and ">" not in n, n
    assert any(html_text("mkcategory <img src=x") in n for n in data_names)


# ---- reports -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["report", "category", "profile", "area"])
def test_markdown_carries_no_html_from_data(outputs, name):
    md = outputs[f"{name}.md"]
    assert not re.search(r"<[A-Za-z/!?]", md), "raw HTML in the Markdown"
    assert "](javascript:" not in md and "<javascript:" not in md
    for marker in EXPECTED[name]:
        assert marker + ESCAPED_MD in md, marker
    assert "&lt;/script&gt;&lt;script&gt;window." in md


@pytest.mark.parametrize("name", ["report", "category", "profile", "area"])
def test_html_report_shows_the_payloads_literally(outputs, name):
    page = outputs[f"{name}.html"]
    for raw in inj.RAW:
        assert raw not in page, raw
    assert not SCRIPT_URL.search(page)
    parsed = _parse(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "ul", "li"}
    allowed |= {"div", "table", "thead", "tbody", "tr", "th", "td", "figure", "img", "figcaption"}
    assert parsed.tags <= allowed, parsed.tags - allowed
    assert parsed.scripts == []
    assert all(
        src.startswith("data:image/png;base64,") for src in re.findall(r"src='([^']*)'", page)
    )
    text = "".join(parsed.text)
    for marker in EXPECTED[name]:
        assert f'{marker} <img src=x onerror="window.' in text, marker


def test_chart_labels_show_a_dollar_literally():
    """A ``$`` in a name would start matplotlib math text (which fails on unknown symbols)."""
    from proximity.report.charts import bar_chart

    names = ["Tom $ Jerry", "$\\notacommand$", "a_{b} $x^$"]
    png = bar_chart(names, [0.5, 0.7, 0.2], 0.4, "$\\x$", total_name="$\\y$")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


# ---- a scenario run: the scenario title and an intervention's name --------------------------


def test_scenario_title_and_intervention_name_are_escaped(tmp_path, monkeypatch):
    from proximity import scenario as sc

    monkeypatch.setenv("PROXIMITY_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PROXIMITY_OFFLINE", "1")
    toml = f"""
name = "injection"
title = {json.dumps(inj.bad("mkscenariotitle"))}
city = "helsingborg"
categories = ["district_office", "library"]
thresholds_min = [10]
profiles = ["adult"]

[network]
source = "crowfly"

[[interventions]]
type = "add_service"
category = "district_office"
name = {json.dumps(inj.bad("mkintervention"))}
lat = 56.06194
lon = 12.72806
"""
    path = tmp_path / "injection.toml"
    path.write_text(toml, "utf-8")
    res = sc.run(path, out_dir=tmp_path / "out", quiet=True)
    out = Path(res.out_dir)
    office_map = next((out / "maps").glob("*district_office*.html")).read_text("utf-8")
    for raw in inj.RAW:
        assert raw not in office_map
    shown = _without_titles(office_map)
    for raw in inj.RAW:
        assert raw not in shown, raw
    assert "mkscenariotitle" + ESCAPED_HTML in shown  # the title box and <title>
    assert "mkintervention" + ESCAPED_HTML in shown  # the new office's popup
    md = (out / "report.md").read_text("utf-8")
    assert not re.search(r"<[A-Za-z/!?]", md)
    assert md.startswith("# mkscenariotitle" + ESCAPED_MD)
    page = (out / "report.html").read_text("utf-8")
    for raw in inj.RAW:
        assert raw not in page
    assert "mkscenariotitle <img src=x" in "".join(_parse(page).text)
