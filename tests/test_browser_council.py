"""Maps a council can act on, checked in real headless Chromium at desktop and phone size.

At 1366×900 and 390×844: the site labels with names are visible; no panel's bounding box
overlaps another panel or the study area's centre; each legend swatch's computed colour
(fill colour and opacity over its background) equals the fill rendered for its class; the
area labels are present. Screenshots go to ``test-artifacts/council/`` (printed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from proximity.maps import make_map, save_map
from tests.test_browser import ARTIFACTS, _probe, _screenshot, _synthetic

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
SHOTS = ARTIFACTS / "council"

LAYOUT_PROBE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var rect = function (el) { var r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, w: r.width, h: r.height}; };
  var panels = {};
  [["title", "#px-title"], ["legend", "#px-legend"], ["info", "#px-info"],
   ["layers", ".leaflet-control-layers"], ["zoom", ".leaflet-control-zoom"]].forEach(function (p) {
    var el = document.querySelector(p[1]); if (el) { panels[p[0]] = rect(el); } });
  var areas = Array.prototype.map.call(document.querySelectorAll("path.px-area"), rect);
  var box = areas.reduce(function (a, r) { return {left: Math.min(a.left, r.left),
    top: Math.min(a.top, r.top), right: Math.max(a.right, r.right),
    bottom: Math.max(a.bottom, r.bottom)}; }, {left: 1e9, top: 1e9, right: -1e9, bottom: -1e9});
  var rgb = function (c) { var m = c.match(/[\\d.]+/g).map(Number); return m.slice(0, 3); };
  var bg = getComputedStyle(document.querySelector(".leaflet-container")).backgroundColor;
  var swatches = {}, fills = {};
  document.querySelectorAll(".px-swatch").forEach(function (s) {
    var k = (s.className.match(/px-class-(\\w+)/) || [])[1];
    var f = s.querySelector(".px-swatch-fill"), cs = getComputedStyle(f);
    swatches[k] = {fill: rgb(cs.backgroundColor), opacity: +cs.opacity,
                   under: rgb(getComputedStyle(s).backgroundColor)};
  });
  document.querySelectorAll("path.px-area").forEach(function (p) {
    var k = (p.getAttribute("class").match(/px-class-(\\w+)/) || [])[1];
    var cs = getComputedStyle(p);
    fills[k] = {fill: rgb(cs.fill), opacity: +cs.fillOpacity, under: rgb(bg)};
  });
  var labels = Array.prototype.map.call(document.querySelectorAll(".px-site-label"), function (l) {
    var r = rect(l); r.text = l.textContent;
    r.visible = r.w > 0 && r.h > 0 && getComputedStyle(l).visibility !== "hidden"; return r; });
  var lum = function (c) { c = c.map(function (v) { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  var ground = function (el) { while (el) { var m = getComputedStyle(el).backgroundColor
      .match(/[\\d.]+/g).map(Number); if (m.length < 4 || m[3] > 0.5) { return m.slice(0, 3); }
      el = el.parentElement; } return [255, 255, 255]; };
  var low = [], checked = 0;
  document.querySelectorAll(".px-box, .px-box *, .px-site-label, .leaflet-control-attribution, " +
      ".leaflet-control-attribution *").forEach(function (el) {
    var own = Array.prototype.some.call(el.childNodes, function (n) {
      return n.nodeType === 3 && n.textContent.trim(); });
    if (!own || !el.getClientRects().length) { return; }
    checked += 1;
    var a = lum(rgb(getComputedStyle(el).color)), b = lum(ground(el));
    var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) { low.push([el.textContent.trim().slice(0, 40), ratio]); }
  });
  var r = {low_contrast: low, contrast_checked: checked, aria_label: document.querySelector(".leaflet-container")
      .getAttribute("aria-label"), panels: panels, study_area: box, swatches: swatches, fills: fills, site_labels: labels,
    area_labels: Array.prototype.map.call(document.querySelectorAll(".px-area-label"),
      function (l) { return l.textContent; }),
    viewport: [window.innerWidth, window.innerHeight],
    toggles: Array.prototype.map.call(document.querySelectorAll("button.px-toggle"),
      function (b) { return b.getAttribute("aria-expanded"); }),
    lang: document.documentElement.lang, js_errors: window.__jsErrors};
  // open the legend, then "Om kartan" (as a keyboard user does: the buttons get focus and
  // are activated); on a phone only one stays open
  var state = function () { return Array.prototype.map.call(
    document.querySelectorAll("button.px-toggle"), function (b) {
      return b.getAttribute("aria-expanded") + "/" + (b.nextElementSibling.hidden ? "hidden" : "shown");
    }); };
  var buttons = document.querySelectorAll("button.px-toggle");
  buttons[0].focus(); r.focused = document.activeElement === buttons[0];
  if (buttons[0].getAttribute("aria-expanded") === "false") { buttons[0].click(); }
  r.after_legend = state();
  if (buttons[1].getAttribute("aria-expanded") === "false") { buttons[1].click(); }
  r.after_info = state();
  r.open_panels = {legend: rect(document.querySelector("#px-legend")),
                   info: rect(document.querySelector("#px-info"))};
  var pre = document.createElement("pre"); pre.id = "test-result";
  pre.textContent = JSON.stringify(r); document.body.appendChild(pre);
  if (window.parent !== window) { window.parent.postMessage(JSON.stringify(r), "*"); }
}, 500); });
</script>"""

#: A page holding the map in an iframe of an exact size (Chromium's windows are at least
#: 500 px wide); the map's probe posts its result here.
FRAME = """<!DOCTYPE html><html><head><style>body {{ margin: 0; }}</style></head><body>
<iframe src="{src}" width="{w}" height="{h}" style="border:0;display:block"></iframe>
<script>window.addEventListener("message", function (e) {{
  var pre = document.createElement("pre"); pre.id = "test-result";
  pre.textContent = e.data; document.body.appendChild(pre); }});</script></body></html>"""


@pytest.fixture(scope="module")
def council_page(tmp_path_factory) -> Path:
    syn = _synthetic()
    city = syn.make_city()
    m = make_map(
        city,
        syn.make_access(city),
        siting=syn.make_siting(),
        category="library",
        threshold_min=10,
        profile="adult",
        baseline=syn.make_access(city, drop="s2"),
        title="Syntetisk stad: motion om stadsdelskontor",
    )
    return save_map(m, tmp_path_factory.mktemp("council") / "karta.html")


def _framed(page: Path, folder: Path, size: tuple[int, int], tail: str = "") -> Path:
    """``page`` (with the probe added when ``tail``) in an iframe of exactly ``size``."""
    from tests.test_browser import PROBE_HEAD

    html = page.read_text("utf-8")
    if tail:
        html = html.replace("<head>", "<head>" + PROBE_HEAD, 1).replace("</html>", tail + "</html>")
    (folder / "inner.html").write_text(html, "utf-8")
    frame = folder / "frame.html"
    frame.write_text(FRAME.format(src="inner.html", w=size[0], h=size[1]), "utf-8")
    return frame


def _layout(page: Path, tmp_path: Path, size: tuple[int, int]) -> tuple[dict, Path, str]:
    """The probe's result with a viewport of exactly ``size``, the page and window to shoot.

    Headless Chromium's ``--window-size`` includes the window's frame: measure the
    difference and ask for a window that much larger. Windows are at least 500 px wide, so
    a phone is emulated by an iframe of the phone's size.
    """
    window = f"{size[0]},{size[1]}"
    for sub in ("first", "second", "frame"):
        (tmp_path / sub).mkdir(exist_ok=True)
    r = _probe(page, tmp_path / "first", LAYOUT_PROBE, window=window)
    dw, dh = size[0] - r["viewport"][0], size[1] - r["viewport"][1]
    if dw >= 0 and (dw or dh):
        window = f"{size[0] + dw},{size[1] + dh}"
        r = _probe(page, tmp_path / "second", LAYOUT_PROBE, window=window)
    elif dw < 0:  # narrower than Chromium's smallest window
        window = f"{r['viewport'][0] - dw + 40},{size[1] + dh + 40}"
        framed = _framed(page, tmp_path / "frame", size, LAYOUT_PROBE)
        r = _probe_frame(framed, tmp_path / "frame", window)
        return r, _framed(page, tmp_path / "second", size), window
    return r, page, window


def _probe_frame(frame: Path, tmp_path: Path, window: str) -> dict:
    import html as _html
    import json
    import subprocess

    from tests.test_browser import _chromium_cmd

    out = subprocess.run(
        _chromium_cmd(
            tmp_path / "profile", f"--window-size={window}", "--dump-dom", frame.as_uri()
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    m = re.search(r'<pre id="test-result">(.*?)</pre>', out.stdout, re.S)
    assert m, f"no probe result; chromium stderr:\n{out.stderr[-2000:]}"
    return json.loads(_html.unescape(m.group(1)))


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and (a["top"] < b["bottom"] and b["top"] < a["bottom"])
    )


def _composite(s: dict) -> tuple[float, ...]:
    pairs = zip(s["fill"], s["under"], strict=True)
    return tuple(s["opacity"] * f + (1 - s["opacity"]) * u for f, u in pairs)


@pytest.mark.parametrize("kind", list(SIZES))
def test_council_map_layout_legend_and_labels(council_page, tmp_path, kind):
    size = SIZES[kind]
    r, shot_page, window = _layout(council_page, tmp_path, size)
    assert r["viewport"] == list(size), r["viewport"]
    assert r["js_errors"] == [] and r["lang"] == "sv"
    # site labels with names, visible
    texts = [lab["text"] for lab in r["site_labels"]]
    assert texts == ["1 Biblioteket Öster", "2 Skolan Söder", "3 Kyrkan Väster"], texts
    assert all(lab["visible"] for lab in r["site_labels"])
    for i, a in enumerate(r["site_labels"]):
        for b in r["site_labels"][i + 1 :]:
            assert not _overlap(a, b), (a, b)
    # area labels present
    assert sorted(r["area_labels"]) == ["Norr", "Söder", "Väster", "Öster"]
    # panels cover neither each other nor the study area's centre
    panels = r["panels"]
    assert {"title", "legend", "info", "layers"} <= set(panels)
    names = sorted(panels)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not _overlap(panels[a], panels[b]), (kind, a, b, panels[a], panels[b])
    box = r["study_area"]
    cx, cy = (box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2
    centre = {"left": cx - 1, "right": cx + 1, "top": cy - 1, "bottom": cy + 1}
    for name, p in panels.items():
        assert not _overlap(p, centre), (kind, name, p, (cx, cy))
    # the legend swatch of each class drawn equals the rendered fill (colour, opacity, ground)
    assert r["fills"], r
    for k, fill in r["fills"].items():
        sw = r["swatches"][k]
        assert sw["fill"] == fill["fill"] and sw["opacity"] == pytest.approx(fill["opacity"])
        assert _composite(sw) == pytest.approx(_composite(fill), abs=0.5), (k, sw, fill)
    # WCAG AA contrast (4.5:1) of every text in the panels, site labels and attribution
    assert r["low_contrast"] == [], r["low_contrast"]
    assert r["contrast_checked"] >= (8 if kind == "phone" else 30), r["contrast_checked"]
    assert r["aria_label"].startswith("Karta: Andel som når ett bibliotek inom 10 minuters")
    # panels are keyboard buttons; closed on a phone, open on a desktop
    assert r["toggles"] == (["false", "false"] if kind == "phone" else ["true", "true"])
    assert r["focused"] is True
    assert r["after_legend"][0] == "true/shown"
    if kind == "phone":  # one panel at a time
        assert r["after_info"] == ["false/hidden", "true/shown"], r["after_info"]
    else:
        assert r["after_info"] == ["true/shown", "true/shown"], r["after_info"]
        assert not _overlap(r["open_panels"]["legend"], r["open_panels"]["info"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots folder: {SHOTS}")
    shot = _screenshot(shot_page, SHOTS / f"map-{kind}.png", window, tmp_path)
    assert re.match(rb"\x89PNG", shot.read_bytes()[:4])
