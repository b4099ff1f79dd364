"""The map's layout at exactly 1366×900 (desktop) and 390×844 (phone), in headless Chromium.

Driven over the DevTools protocol (see ``tests/test_a11y.py``), so the phone viewport is
exact (mobile emulation, no iframe). Checked, for the synthetic city of
``tests/fixtures/maps/synthetic.py`` (hand-made) and for embedded Helsingborg (10 real
districts, three proposed sites close together in the centre):

- the study area (the bounding box of the area polygons) lies inside the viewport and no
  panel (title, zoom, layer control, legend, "Om kartan") overlaps it, so the title no longer
  covers its northern edge on a phone;
- every site label is visible, inside the viewport, under no panel and apart from the other
  site labels;
- area names: all four in the synthetic city; in Helsingborg the two largest districts (the
  rural ones, 82 % of the municipality's area) and at least three names in all. The small
  central districts lie under the three site labels at this zoom; their names show when
  zooming in. No shown name overlaps a site label, another shown name or the viewport's
  edge, and each stays inside its own area (checked by the page's script).

- the popup of each proposed site, opened by a click, lies under no panel (the map pans
  it out from under the title box).

Screenshots go to ``test-artifacts/layout/`` (printed).
"""

from __future__ import annotations

import pytest
from _maps_common import helsingborg, map_inputs
from test_a11y import ARTIFACTS, SIZES, Chromium

from proximity.maps import make_map, save_map

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS.parent / "layout"

LAYOUT = """(function () {
  var rect = function (el) { var r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  var panels = {};
  [["title", "#px-title"], ["legend", "#px-legend"], ["info", "#px-info"],
   ["layers", ".leaflet-control-layers"], ["zoom", ".leaflet-control-zoom"]].forEach(function (p) {
    var el = document.querySelector(p[1]); if (el) { panels[p[0]] = rect(el); } });
  var areas = Array.prototype.map.call(document.querySelectorAll("path.px-area"), rect);
  var box = areas.reduce(function (a, r) { return {left: Math.min(a.left, r.left),
    top: Math.min(a.top, r.top), right: Math.max(a.right, r.right),
    bottom: Math.max(a.bottom, r.bottom)}; }, {left: 1e9, top: 1e9, right: -1e9, bottom: -1e9});
  var shown = function (el) { return getComputedStyle(el).visibility !== "hidden"; };
  var labelled = function (sel) { return Array.prototype.map.call(document.querySelectorAll(sel),
    function (el) { var r = rect(el); r.text = el.textContent; r.shown = shown(el); return r; }); };
  return {viewport: [innerWidth, innerHeight], panels: panels, study_area: box,
          site_labels: labelled(".px-site-label"), area_labels: labelled(".px-area-label span")};
})()"""


#: Clicks the i-th proposed site (as a user does) and returns the open popup's box and the
#: panels' boxes once the map has settled.
POPUP = """new Promise(function (done) {
  document.querySelectorAll(".leaflet-popup-close-button").forEach(function (c) { c.click(); });
  var s = document.querySelectorAll(".leaflet-marker-icon.px-site")[%d], r = s.getBoundingClientRect();
  s.dispatchEvent(new MouseEvent("click", {bubbles: true, view: window,
    clientX: r.left + r.width / 2, clientY: r.top + r.height / 2}));
  setTimeout(function () {
    var box = function (el) { var q = el.getBoundingClientRect();
      return {left: q.left, top: q.top, right: q.right, bottom: q.bottom}; };
    var p = document.querySelector(".leaflet-popup");
    done({popup: p ? box(p) : null, text: p ? p.textContent.slice(0, 60) : "",
          panels: Array.prototype.map.call(document.querySelectorAll(".leaflet-control"), box)});
  }, 900); })"""


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


def _inside(a: dict, width: int, height: int, slack: float = 0.5) -> bool:
    return (
        a["left"] >= -slack
        and a["top"] >= -slack
        and a["right"] <= width + slack
        and a["bottom"] <= height + slack
    )


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("layout")
    inputs = map_inputs()
    synthetic = make_map(
        inputs["city"],
        inputs["access"],
        siting=inputs["siting"],
        category="library",
        threshold_min=10,
        baseline=inputs["baseline"],
        title="Syntetisk stad: motion om stadsdelskontor",
    )
    city, access, siting = helsingborg()
    hbg = make_map(city, access, siting=siting, category="district_office", threshold_min=15)
    areas = city.areas.assign(m2=city.areas.geometry.area).sort_values("m2", ascending=False)
    return {
        "synthetic": (
            save_map(synthetic, folder / "syn.html"),
            ["Norr", "Söder", "Väster", "Öster"],
        ),
        "helsingborg": (save_map(hbg, folder / "hbg.html"), list(areas["name"][:2])),
    }


@pytest.mark.parametrize("kind", list(SIZES))
@pytest.mark.parametrize("city", ["synthetic", "helsingborg"])
def test_panels_labels_and_study_area_fit(pages, tmp_path, city, kind):
    page, largest = pages[city]
    b = Chromium(tmp_path / "profile")
    try:
        b.open(page, SIZES[kind])
        r = b.js(LAYOUT)
        shot = b.screenshot(SHOTS / f"{city}-{kind}.png")
        popups = [b.js(POPUP % i, wait=True) for i in range(3)]
    finally:
        b.close()
    print(f"\nscreenshot: {shot}")
    width, height = SIZES[kind][:2]
    assert r["viewport"] == [width, height]
    box, panels = r["study_area"], r["panels"]
    assert {"title", "legend", "info", "layers", "zoom"} <= set(panels)
    assert _inside(box, width, height), (box, r["viewport"])
    for name, p in panels.items():
        assert not _overlap(p, box), (kind, name, p, box)
    names = sorted(panels)
    for i, a in enumerate(names):
        for other in names[i + 1 :]:
            assert not _overlap(panels[a], panels[other]), (a, other)
    # site labels: all shown, in view, under no panel, apart
    sites = r["site_labels"]
    assert len(sites) == 3 and all(s["shown"] for s in sites), sites
    for i, s in enumerate(sites):
        assert _inside(s, width, height), s
        assert not any(_overlap(s, p) for p in panels.values()), s
        assert not any(_overlap(s, o) for o in sites[i + 1 :]), s
    # area names: the largest areas' names shown, apart from everything, in view
    shown = [a for a in r["area_labels"] if a["shown"]]
    assert set(largest) <= {a["text"] for a in shown}, (largest, shown)
    assert len(shown) >= min(3, len(r["area_labels"])), shown
    for i, a in enumerate(shown):
        assert _inside(a, width, height), a
        assert not any(_overlap(a, s) for s in sites), a
        assert not any(_overlap(a, o) for o in shown[i + 1 :]), (a, shown)
    # the popups of the sites are not hidden under a panel
    for pop in popups:
        assert pop["popup"] and pop["text"].startswith("Föreslag"), pop
        assert not any(_overlap(pop["popup"], p) for p in pop["panels"]), pop
