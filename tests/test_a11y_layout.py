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

On the shipped Helsingborg motion map (``scenarios/helsingborg-motion.toml``, five sites,
four of them within a few hundred metres in the centre): no two site marker icons overlap at
the start zoom, although the true points of at least two sites lie closer than a pin's width
(so the check has teeth); each moved pin's leader line runs from its tip to a dot at its true
point, computed here from the site's SWEREF 99 TM coordinates in ``tables/sites.csv`` (pyproj)
and Leaflet's projection of that point; an unmoved pin's tip is at its true point; zoomed in
until no two true points crowd, every pin sits at its true point.

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


#: The site markers' icons, true points and leader lines, in viewport pixels. ``%s`` is the
#: list of ``[rank, lat, lon]`` of the sites (from the run's table, not from the page).
FAN = """(function (sites, dzoom) {
  var map = Object.keys(window).map(function (k) { return window[k]; })
    .filter(function (v) { return v instanceof L.Map; })[0];
  if (dzoom) {  // zoom in on the sites' mean point
    var lat = 0, lon = 0; sites.forEach(function (s) { lat += s[1] / sites.length;
      lon += s[2] / sites.length; });
    map.setView([lat, lon], map.getZoom() + dzoom, {animate: false});
  }
  return new Promise(function (done) { setTimeout(function () {
    var c = map.getContainer().getBoundingClientRect(), out = {};
    sites.forEach(function (s) {
      var p = map.latLngToContainerPoint([s[1], s[2]]);
      out[s[0]] = {true_xy: [p.x + c.left, p.y + c.top]}; });
    document.querySelectorAll(".leaflet-marker-icon.px-site").forEach(function (icon) {
      var rank = icon.querySelector(".px-site-pin").textContent.trim(), o = out[rank];
      var r = icon.getBoundingClientRect();
      o.icon = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
      var svg = icon.querySelector(".px-site-tether"), line = svg.querySelector("line");
      o.leader_shown = getComputedStyle(svg).display !== "none";
      var m = line.getScreenCTM(), pt = function (x, y) {
        var q = svg.createSVGPoint(); q.x = +line.getAttribute(x); q.y = +line.getAttribute(y);
        q = q.matrixTransform(m); return [q.x, q.y]; };
      o.leader = [pt("x1", "y1"), pt("x2", "y2")];
      var d = svg.querySelector("circle").getBoundingClientRect();
      o.dot = [(d.left + d.right) / 2, (d.top + d.bottom) / 2];
    });
    done({zoom: map.getZoom(), sites: out});
  }, 700); });
})(%s, %d)"""


def _motion_sites(runs) -> list[list]:
    """``[rank, lat, lon]`` of the motion's sites, from its ``tables/sites.csv``."""
    import pandas as pd
    from pyproj import Transformer

    motion = runs[1]
    table = pd.read_csv(motion.out_dir / "tables" / "sites.csv")
    to_wgs84 = Transformer.from_crs(motion.city.crs, 4326, always_xy=True)
    lon, lat = to_wgs84.transform(table["x"].to_numpy(), table["y"].to_numpy())
    return [[str(r), float(b), float(a)] for r, b, a in zip(table["rank"], lat, lon, strict=True)]


def _near(a, b, tol: float = 1.5) -> bool:
    return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


@pytest.mark.parametrize("kind", list(SIZES))
def test_motion_pins_fan_out_with_leaders_to_their_true_points(runs, tmp_path, kind):
    import json

    sites = _motion_sites(runs)
    page = next(p for p in runs[1].maps if str(p).endswith(".html"))
    b = Chromium(tmp_path / "profile")
    try:
        b.open(page, SIZES[kind])
        start = b.js(FAN % (json.dumps(sites), 0), wait=True)
        shot = b.screenshot(SHOTS / f"motion-pins-{kind}.png")
        zoomed = b.js(FAN % (json.dumps(sites), 3), wait=True)
        b.screenshot(SHOTS / f"motion-pins-{kind}-zoomed.png")
    finally:
        b.close()
    print(f"\nscreenshot: {shot}")
    got = start["sites"]
    assert len(got) == 5 and all("icon" in s for s in got.values()), got
    # the check has teeth: at the start zoom some true points are closer than a pin's width
    xy = [s["true_xy"] for s in got.values()]
    crowded = [
        (i, j)
        for i in range(len(xy))
        for j in range(i + 1, len(xy))
        if abs(xy[i][0] - xy[j][0]) < 34 and abs(xy[i][1] - xy[j][1]) < 34
    ]
    assert crowded, xy
    icons = [s["icon"] for s in got.values()]
    for i, a in enumerate(icons):  # no two marker icons overlap
        assert not any(_overlap(a, o) for o in icons[i + 1 :]), (kind, got)
    for rank, s in got.items():
        tip = ((s["icon"]["left"] + s["icon"]["right"]) / 2, s["icon"]["bottom"])
        if s["leader_shown"]:  # from the moved pin's tip to a dot at the true point
            assert _near(s["leader"][0], tip), (rank, s)
            assert _near(s["leader"][1], s["true_xy"]), (rank, s)
            assert _near(s["dot"], s["true_xy"]), (rank, s)
        else:
            assert _near(tip, s["true_xy"]), (rank, s)
    assert sum(s["leader_shown"] for s in got.values()) >= 2, got
    # zoomed in by 3 levels (8 × the scale) on the sites the true points are apart: every
    # pin sits on its own
    assert zoomed["zoom"] == start["zoom"] + 3
    for rank, s in zoomed["sites"].items():
        tip = ((s["icon"]["left"] + s["icon"]["right"]) / 2, s["icon"]["bottom"])
        assert not s["leader_shown"] and _near(tip, s["true_xy"]), (rank, s)
