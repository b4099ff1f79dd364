"""Render a generated map in real headless Chromium, fully offline.

The page is loaded from a file with every host name mapped to "not found"
(``--host-resolver-rules``), so nothing can come from the internet. A small probe script is
added to a *copy* of the page: it records JavaScript errors from the first moment
(``window.onerror`` / ``error`` events / ``console.error``) and, after ``load``, writes what
it found (Leaflet loaded, counts of area polygons and markers, legend and info box) as JSON
into ``<pre id="test-result">``, which ``chromium --dump-dom`` prints. Screenshots of the
unmodified page (desktop and phone size) are saved under ``test-artifacts/`` in the repo
(gitignored).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from proximity.maps import make_map, save_map
from proximity.report.pdf import CHROMIUM_NAMES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
_SYN = Path(__file__).parent / "fixtures" / "maps" / "synthetic.py"


def _chromium() -> str | None:
    for name in CHROMIUM_NAMES:  # the names report.pdf looks for: one list
        path = shutil.which(name)
        if path:
            return path
    return None


CHROMIUM = _chromium()
if CHROMIUM is None:
    pytest.skip(
        "headless Chromium is not installed (apt-get install -y chromium)",
        allow_module_level=True,
    )


def _synthetic():
    name = "proximity_tests_maps_synthetic"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _SYN)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


PROBE_HEAD = """<script>
window.__jsErrors = []; window.__resourceErrors = [];
window.addEventListener("error", function (e) {
  if (e instanceof ErrorEvent) { __jsErrors.push(String(e.message) + " @" + e.filename + ":" + e.lineno); }
  else if (e.target && (e.target.src || e.target.href)) { __resourceErrors.push(e.target.src || e.target.href); }
}, true);
window.addEventListener("unhandledrejection", function (e) { __jsErrors.push("unhandled: " + e.reason); });
(function () { var ce = console.error; console.error = function () {
  __jsErrors.push("console.error: " + Array.prototype.join.call(arguments, " "));
  return ce.apply(console, arguments); }; })();
</script>"""

PROBE_TAIL = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var q = function (s) { return document.querySelectorAll(s).length; };
  var fa = document.querySelector(".leaflet-marker-icon .fa-solid");
  var r = {
    leaflet: typeof L !== "undefined" ? L.version : null,
    jquery: typeof jQuery !== "undefined",
    areas: q("path.px-area"),
    services: q(".leaflet-marker-icon.px-service"),
    offices: q(".leaflet-marker-icon.px-office"),
    sites: q(".leaflet-marker-icon.px-site"),
    site_labels: Array.prototype.map.call(document.querySelectorAll(".leaflet-marker-icon .px-site-pin span"),
                                          function (e) { return e.textContent; }),
    residents: q("path.px-resident"),
    legend: document.getElementById("px-legend") ? document.getElementById("px-legend").textContent : null,
    info: document.getElementById("px-info") ? document.getElementById("px-info").textContent : null,
    layers_control: q(".leaflet-control-layers"),
    font_loaded: document.fonts.check('900 16px "Font Awesome 6 Free"'),
    icon_glyph: fa ? getComputedStyle(fa, "::before").content : null,
    js_errors: window.__jsErrors,
    resource_errors: window.__resourceErrors
  };
  // open popups the way a user does (click), and read them
  var popup = function (el) {
    if (!el) { return null; }
    el.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true, view: window,
      clientX: el.getBoundingClientRect().left + 5, clientY: el.getBoundingClientRect().top + 5}));
    var all = document.querySelectorAll(".leaflet-popup-content");  // newest last
    return all.length ? all[all.length - 1].textContent : null;
  };
  r.site_popup = popup(document.querySelector(".leaflet-marker-icon.px-site"));
  r.service_popup = popup(document.querySelector(".leaflet-marker-icon.px-service"));
  r.area_popup = popup(document.querySelector("path.px-area"));
  var pre = document.createElement("pre"); pre.id = "test-result";
  pre.textContent = JSON.stringify(r); document.body.appendChild(pre);
}, 300); });
</script>"""


def _chromium_cmd(profile_dir: Path, *extra: str) -> list[str]:
    return [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile_dir}",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # fully offline
        "--virtual-time-budget=5000",
        *extra,
    ]


def _probe(page: Path, tmp_path: Path, tail: str = PROBE_TAIL, window: str | None = None) -> dict:
    html = page.read_text("utf-8")
    probed = html.replace("<head>", "<head>" + PROBE_HEAD, 1).replace("</html>", tail + "</html>")
    probe_file = tmp_path / "probe.html"
    probe_file.write_text(probed, "utf-8")
    out = subprocess.run(
        _chromium_cmd(
            tmp_path / "profile-dom",
            *([f"--window-size={window}"] if window else []),
            "--dump-dom",
            probe_file.as_uri(),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    m = re.search(r'<pre id="test-result">(.*?)</pre>', out.stdout, re.S)
    assert m, f"no probe result; chromium stderr:\n{out.stderr[-2000:]}"
    import html as _html

    return json.loads(_html.unescape(m.group(1)))


def _screenshot(page: Path, target: Path, size: str, tmp_path: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        _chromium_cmd(
            tmp_path / f"profile-shot-{size}",
            f"--window-size={size}",
            f"--screenshot={target}",
            page.as_uri(),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert target.exists() and target.stat().st_size > 10_000, "no screenshot written"
    print(f"\nscreenshot: {target}")
    return target


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    syn = _synthetic()
    city = syn.make_city()
    access = syn.make_access(city)
    m = make_map(
        city,
        access,
        siting=syn.make_siting(),
        category="library",
        threshold_min=10,
        profile="adult",
        baseline=syn.make_access(city, drop="s2"),
        show_residents=True,
    )
    folder = tmp_path_factory.mktemp("browser")
    return save_map(m, folder / "karta.html")


def test_map_renders_offline_in_chromium(page, tmp_path):
    r = _probe(page, tmp_path)
    assert r["leaflet"] == "1.9.3", r
    assert r["jquery"] is True
    assert r["js_errors"] == [], r["js_errors"]
    # only background tiles may fail to load (offline); no script or stylesheet
    assert all("tile.openstreetmap.org" in u for u in r["resource_errors"]), r["resource_errors"]
    assert r["areas"] == 4
    assert r["services"] == 2  # libraries (other categories start switched off)
    assert r["offices"] == 2
    assert r["sites"] == 3
    assert r["site_labels"] == ["1", "2", "3"]
    assert r["residents"] > 0
    assert r["layers_control"] == 1
    assert r["legend"] and "Teckenförklaring" in r["legend"]
    assert "Andel invånare inom 10 minuters gång" in r["legend"]
    assert r["info"] and "Om kartan" in r["info"]
    assert "fågelvägsavstånd × 1,3 (uppskattning)" in r["info"]
    assert "Områdesgränser: 2 av 4 ungefärliga" in r["info"]
    assert "officiell: 2" in r["info"] and "ungefärlig: 2" in r["info"]
    assert "Bibliotek: 2 (Bokbussen, Huvudbiblioteket)" in r["info"]
    assert "Socialtjänst: ingen lokaliserad tjänst – ingen täckning beräknad" in r["info"]
    assert "© OpenStreetMap-bidragsgivare, ODbL" in r["info"]
    # popups open on click and carry the promised fields
    assert r["site_popup"].startswith("Föreslaget stadsdelskontor nr 1"), r["site_popup"]
    for field in (
        "Rang",
        "Nya täckta invånare",
        "Påverkan per område",
        "Röda Korset",
        "Gini för täckningsandel mellan områden",
    ):
        assert field in r["site_popup"], field
    for field in ("Kategori", "Bibliotek", "Källa", "Lägeskvalitet"):
        assert field in r["service_popup"], field
    for field in ("Befolkning", "Täckta", "Ej täckta", "Medeltid (minuter)", "baslinje"):
        assert field in r["area_popup"], field
    # Font Awesome's inlined webfont renders the icons offline
    assert r["font_loaded"] is True
    assert r["icon_glyph"] not in (None, "none", "normal", '""')


def test_map_screenshots(page, tmp_path):
    desktop = _screenshot(page, ARTIFACTS / "map.png", "1280,900", tmp_path)
    phone = _screenshot(page, ARTIFACTS / "map-phone.png", "390,844", tmp_path)
    assert desktop.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert phone.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_helsingborg_map_renders_offline(tmp_path):
    """The embedded Helsingborg default (crow-fly) with proposed sites, in real Chromium."""
    import warnings

    from proximity.coverage import compute_access
    from proximity.siting.api import site
    from proximity.sources import load_city

    city = load_city("helsingborg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        access = compute_access(city, None, categories=["district_office"], thresholds_min=(15,))
        siting = site(
            city, None, category="district_office", k=3, threshold_min=15, robustness_profiles=None
        )
    m = make_map(
        city,
        access,
        siting=siting,
        category="district_office",
        threshold_min=15,
        show_residents=True,
    )
    page = save_map(m, tmp_path / "helsingborg.html")
    r = _probe(page, tmp_path)
    assert r["leaflet"] == "1.9.3"
    assert r["js_errors"] == [], r["js_errors"]
    assert r["areas"] == len(city.areas)
    assert r["offices"] == m.counts["offices"] >= 1
    assert r["sites"] == 3
    assert r["residents"] == m.counts["residents"]
    assert "fågelvägsavstånd × 1,3 (uppskattning)" in r["info"]
    assert "ungefärliga" in r["info"]
    # Swedish only, and the known gaps in the data are listed
    for english in ("(approximation)", "approximate (Voronoi", "reference point", "OSM node"):
        assert english not in r["info"], english
    assert "stadsdelens referenspunkt" in r["info"]
    assert "Socialtjänst: ingen lokaliserad tjänst – ingen täckning beräknad" in r["info"]
    assert "Bibliotek: 2 (Biblioteksbussen, Helsingborgs stadsbibliotek)" in r["info"]
    # no non-profit data in Helsingborg: the popup must not claim there are none
    assert "ingen data om ideella organisationer" in r["site_popup"], r["site_popup"]
    _screenshot(page, ARTIFACTS / "map-helsingborg.png", "1280,900", tmp_path)
    _screenshot(page, ARTIFACTS / "map-helsingborg-phone.png", "390,844", tmp_path)


# ---- texts from data cannot run as script (issue 11) ----------------------------------------

#: Switches every overlay on, opens every tooltip and popup of the map, then reports what they
#: show and whether anything set ``window.__pwned``.
INJECTION_PROBE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var r = {tooltips: [], popups: [], open_errors: []};
  document.querySelectorAll(".leaflet-control-layers-overlays input[type=checkbox]")
    .forEach(function (i) { if (!i.checked) { i.click(); } });
  var map = null;
  Object.keys(window).forEach(function (k) {
    try { if (window[k] instanceof L.Map) { map = window[k]; } } catch (e) {}
  });
  var inside = function (el) { return el.querySelectorAll("img, svg, script, iframe").length; };
  map.eachLayer(function (l) {
    try {
      if (l.getTooltip && l.getTooltip()) {
        l.openTooltip();
        var t = l.getTooltip().getElement();
        r.tooltips.push({text: t.textContent, elements: inside(t)});
      }
      if (l.getPopup && l.getPopup()) {
        l.openPopup();
        var p = l.getPopup().getElement().querySelector(".leaflet-popup-content");
        r.popups.push({text: p.textContent, elements: inside(p)});
      }
    } catch (e) { r.open_errors.push(String(e)); }
  });
  var boxes = document.querySelectorAll(".px-box, .leaflet-control-layers");
  r.boxes = Array.prototype.map.call(boxes, function (b) { return b.textContent; }).join("\\n");
  r.box_elements = Array.prototype.reduce.call(boxes, function (n, b) { return n + inside(b); }, 0);
  r.marker_titles = Array.prototype.map.call(
    document.querySelectorAll(".leaflet-marker-icon[title]"), function (m) { return m.title; });
  r.title = document.title;
  setTimeout(function () {
    r.pwned = window.__pwned === undefined ? null : String(window.__pwned);
    r.js_errors = window.__jsErrors;
    var pre = document.createElement("pre"); pre.id = "test-result";
    pre.textContent = JSON.stringify(r); document.body.appendChild(pre);
  }, 500);
}, 300); });
</script>"""

#: Reports the text of a report page and whether anything set ``window.__pwned``.
REPORT_PROBE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var r = {
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    text: document.body.textContent,
    title: document.title,
    elements: document.querySelectorAll("svg, iframe, object").length,
    scripts: document.scripts.length,
    images: Array.prototype.map.call(document.images, function (i) { return i.src.slice(0, 22); }),
    js_errors: window.__jsErrors
  };
  var pre = document.createElement("pre"); pre.id = "test-result";
  pre.textContent = JSON.stringify(r); document.body.appendChild(pre);
}, 500); });
</script>"""


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory) -> dict[str, Path]:
    """The maps and reports of the synthetic city whose every text is a payload."""
    import _injection as inj

    return inj.write_outputs(tmp_path_factory.mktemp("injection"))


@pytest.mark.parametrize("name", ["map", "map_category", "map_subareas"])
def test_payloads_in_the_map_never_run(poisoned, name, tmp_path):
    import _injection as inj

    r = _probe(poisoned[name], tmp_path, INJECTION_PROBE)
    assert r["pwned"] is None, r
    assert r["js_errors"] == [] and r["open_errors"] == [], r
    assert len(r["tooltips"]) >= 4 and len(r["popups"]) >= 4, r
    # the tooltips, popups and boxes hold no element from data; the payload shows as text
    assert all(t["elements"] == 0 for t in r["tooltips"] + r["popups"]), r
    assert r["box_elements"] == 0
    shown = [t["text"] for t in r["tooltips"] + r["popups"]] + [r["boxes"]]
    for raw in inj.RAW:
        assert any(raw in t for t in shown), raw
    area = "mksubarea1" if name == "map_subareas" else "mkarea1"
    assert any(t["text"].startswith(f"{area} <img src=x") for t in r["tooltips"]), r["tooltips"]
    assert any(t["text"].startswith(f"{area} <img src=x") for t in r["popups"])
    assert f"{inj.bad('mkservices1')}" in r["marker_titles"]
    if name == "map":
        assert r["title"].endswith(" – " + inj.bad("mktitle"))
        assert any("mknonprofitlabel <img src=x" in p["text"] for p in r["popups"])
        assert "mkcategory <img src=x" in r["boxes"]  # layer control and legend
        assert "mkunlocated1 <img src=x" in r["boxes"]  # the info box
        assert any("mkcategory <img src=x" in t["text"] for t in r["tooltips"])  # reached area


@pytest.mark.parametrize("name", ["report.html", "category.html", "profile.html", "area.html"])
def test_payloads_in_the_html_report_never_run(poisoned, name, tmp_path):
    import _injection as inj

    r = _probe(poisoned[name], tmp_path, REPORT_PROBE)
    assert r["pwned"] is None, r
    assert r["js_errors"] == [], r["js_errors"]
    assert r["elements"] == 0
    assert r["scripts"] == 2  # the probe's own two
    assert all(src.startswith("data:image/png") for src in r["images"]), r["images"]
    for raw in inj.RAW:
        assert raw in r["text"], raw
    marker = {"profile.html": "mksubarea1", "area.html": "mkarea2"}.get(name, "mkarea1")
    assert f"{marker} <img src=x" in r["text"]
    if name == "report.html":
        assert r["title"] == inj.bad("mktitle")
