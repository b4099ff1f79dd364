"""The proposed sites of a map: numbered pins with permanent, spread-apart name labels.

Each site is named everywhere (:func:`~proximity.maps.site_views.site_display_name`): the
label next to the pin ("1 Drottninghögs bibliotek"), the tooltip ("Förslag: …") and the popup
("Föreslaget stadsdelskontor nr 1: Drottninghögs bibliotek") with the area, location, gain,
cumulative share, robustness and nearby non-profits. Pins that overlap on screen fan out
on a circle around their common centre, each with a leader line to a dot at its true point;
labels then take the first free place beside their pin (pixel space, recomputed after each
zoom).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from proximity._text import html_text
from proximity.errors import ParameterError
from proximity.maps.context import MapContext
from proximity.maps.elements import MapScript, ProximityMap, feature, popup_table
from proximity.maps.labels import GAP_TEXT, fmt_int, fmt_num, fmt_pct, site_labels
from proximity.maps.site_views import (
    cumulative_shares,
    nonprofit_absence_text,
    site_area_impact,
    site_display_name,
    site_gini,
    site_nonprofit_label,
    site_nonprofits,
    site_robustness,
    site_table,
)

__all__ = ["FAN_PINS_JS", "SITE_TEXT", "SPREAD_LABELS_JS"]

SITE_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "proposal": "Förslag",
        "location": "Läge",
        "cumulative": "Andel som når efter förslag {n}",
        "robustness": "Robusthet",
        "robust_count": "vald i {k} av {m} beräkningar (gångprofiler × tidsgränser)",
        "robust_share": "vald i {p} av beräkningarna (gångprofiler × tidsgränser)",
        "robust_none": "inte beräknad",
    },
    "en": {
        "proposal": "Proposal",
        "location": "Location",
        "cumulative": "Share reached after proposals {n}",
        "robustness": "Robustness",
        "robust_count": "chosen in {k} of {m} runs (walking profiles × thresholds)",
        "robust_share": "chosen in {p} of the runs (walking profiles × thresholds)",
        "robust_none": "not computed",
    },
}

#: Gap (px) kept between fanned-out site pins.
FAN_GAP_PX = 4

#: Fans out site pins that overlap on screen: pins whose boxes (34 × 34 px plus the tip and a
#: gap, :data:`FAN_GAP_PX`) would overlap form a group (transitively, growing as placed groups
#: meet others); a group's pins sit, in the order of their bearings, on a circle around the
#: group's true centre, the smallest radius at which no two of them overlap and none covers a
#: site's true point. Each moved pin gets a leader line from its tip to a dot at its true
#: point (``.px-site-tether``); its popup opens at the moved pin. Pins that do not overlap
#: stay at their true points. Pixel space, recomputed after each zoom (before the labels).
FAN_PINS_JS = """
function pxSites() {
  var out = [];
  map.eachLayer(function (l) {
    if (l instanceof L.Marker && l._icon && l._icon.classList.contains("px-site")) {
      var p = map.latLngToLayerPoint(l.getLatLng());
      out.push({m: l, x: p.x, y: p.y, px: p.x, py: p.y,
                rank: +l._icon.querySelector(".px-site-pin").dataset.rank});
    }
  });
  return out.sort(function (a, b) { return a.rank - b.rank; });
}
function pxFan() {
  var sites = pxSites(), W = 34 + GAP, H = 41 + GAP;
  var clash = function (a, b) { return Math.abs(a.px - b.px) < W && Math.abs(a.py - b.py) < H; };
  var covers = function (s, d) { return d.x > s.px - 21 && d.x < s.px + 21 &&
    d.y > s.py - 38 && d.y < s.py + 8; };
  var place = function (g) {
    var n = g.length, cx = 0, cy = 0;
    if (n === 1) { g[0].px = g[0].x; g[0].py = g[0].y; return; }
    g.forEach(function (s) { cx += s.x / n; cy += s.y / n; });
    var bearing = function (s) { return Math.abs(s.x - cx) + Math.abs(s.y - cy) < 0.5 ?
      -Math.PI / 2 : Math.atan2(s.y - cy, s.x - cx); };
    g.sort(function (a, b) { return bearing(a) - bearing(b) || a.rank - b.rank; });
    var sx = 0, sy = 0;  // the turn of the circle that keeps each pin nearest its bearing
    g.forEach(function (s, k) { var t = bearing(s) - 2 * Math.PI * k / n;
      sx += Math.cos(t); sy += Math.sin(t); });
    var t0 = Math.atan2(sy, sx);
    for (var r = W / (2 * Math.sin(Math.PI / n)); r < 600; r += 2) {
      g.forEach(function (s, k) { var t = t0 + 2 * Math.PI * k / n;  // pin centre on the circle
        s.px = cx + r * Math.cos(t); s.py = cy + r * Math.sin(t) + 17; });
      if (g.every(function (s, i) { return g.slice(i + 1).every(function (o) {
        return !clash(s, o); }) && !sites.some(function (d) { return covers(s, d); }); })) {
        return;
      }
    }
  };
  var groups = sites.map(function (s) { return [s]; });
  for (var it = 0; it < 4 * sites.length; it++) {
    var pair = null;
    for (var i = 0; i < groups.length && !pair; i++) {
      for (var j = i + 1; j < groups.length && !pair; j++) {
        if (groups[i].some(function (a) { return groups[j].some(function (b) {
          return clash(a, b); }); })) { pair = [i, j]; }
      }
    }
    if (!pair) { break; }
    groups[pair[0]] = groups[pair[0]].concat(groups[pair[1]]);
    groups.splice(pair[1], 1);
    place(groups[pair[0]]);
  }
  sites.forEach(function (s) {
    var dx = Math.round(s.px - s.x), dy = Math.round(s.py - s.y), icon = s.m._icon;
    icon.style.marginLeft = (dx - 17) + "px"; icon.style.marginTop = (dy - 34) + "px";
    icon.classList.toggle("px-fanned", !!(dx || dy));
    icon.dataset.side = dx < 0 ? "left" : "right";
    var t = icon.querySelector(".px-site-tether");
    if (t) {
      t.style.display = dx || dy ? "block" : "none";
      var line = t.querySelector("line"), dot = t.querySelector("circle");
      line.setAttribute("x2", 17 - dx); line.setAttribute("y2", 34 - dy);
      dot.setAttribute("cx", 17 - dx); dot.setAttribute("cy", 34 - dy);
    }
    var pop = s.m.getPopup();
    var off = L.point(dx, 7 + dy);  // the popup opens at the moved pin
    if (pop && !off.equals(L.point(pop.options.offset))) {
      pop.options.offset = off; if (pop.isOpen()) { pop.update(); }
    }
  });
}
""".replace("GAP", str(FAN_GAP_PX))

#: The leader line from a fanned-out pin's tip (the icon's anchor, 17 px, 34 px) to a dot at
#: its true point (set by :data:`FAN_PINS_JS`); hidden while the pin is at its true point.
TETHER_SVG = (
    '<svg class="px-site-tether" width="34" height="34" aria-hidden="true" focusable="false" '
    'style="display:none;position:absolute;left:0;top:0;z-index:-1;overflow:visible;'
    'pointer-events:none">'
    '<line x1="17" y1="34" x2="17" y2="34" stroke="#c51b7d" stroke-width="2"/>'
    '<circle cx="17" cy="34" r="4" fill="#c51b7d" stroke="#ffffff" stroke-width="1.5"/></svg>'
)

#: Places the site labels apart (after :data:`FAN_PINS_JS`): in rank order, each label takes
#: the first free place next to its pin – on the side the pin was fanned out to (else the
#: right), then the other side, then one label height further down, up, down, … – that lies
#: in view, under no panel and off every pin, true-point dot and earlier label. A label that
#: would run off the map's edge slides back in; a vertical leader line joins a moved label
#: to its pin.
SPREAD_LABELS_JS = """
function pxSpread() {
  pxFan();
  var labels = Array.prototype.slice.call(document.querySelectorAll(".px-site-label"));
  labels.sort(function (a, b) { return (+a.dataset.rank) - (+b.dataset.rank); });
  var edge = map.getContainer().getBoundingClientRect();
  var taken = Array.prototype.map.call(document.querySelectorAll(".leaflet-marker-icon.px-site"),
    function (p) { return p.getBoundingClientRect(); });
  document.querySelectorAll(".px-fanned .px-site-tether circle").forEach(function (d) {
    taken.push(d.getBoundingClientRect()); });  // a label does not hide a true point
  var hit = function (r, o) { return r.left < o.right && o.left < r.right &&
    r.top < o.bottom && o.top < r.bottom; };
  var panels = Array.prototype.map.call(
    map.getContainer().querySelectorAll(".leaflet-control"), function (p) {
      return p.getBoundingClientRect(); });
  labels.forEach(function (el) {
    var leader = el.parentNode.querySelector(".px-site-leader");
    var side = function (left) {  // the label's box beside its pin, slid into view
      el.style.top = "0px";
      el.style.left = left ? "auto" : ""; el.style.right = left ? "36px" : "";
      var r = el.getBoundingClientRect(), dx = 0;
      if (r.left < edge.left + 4) { dx = edge.left + 4 - r.left; }
      else if (r.right > edge.right - 4) { dx = edge.right - 4 - r.right; }
      return {left: left, dx: dx, r: {left: r.left + dx, right: r.right + dx, top: r.top,
        bottom: r.bottom}};
    };
    var first = el.parentNode.dataset.side === "left";
    var sides = [side(first), side(!first)];
    var h = sides[0].r.bottom - sides[0].r.top + 2, best = null;
    var at = function (s, d) { return {left: s.r.left, right: s.r.right, top: s.r.top + d,
      bottom: s.r.bottom + d}; };
    var free = function (q) { return q.top >= edge.top + 2 && q.bottom <= edge.bottom - 2 &&
      !panels.some(function (o) { return hit(q, o); }) &&
      !taken.some(function (o) { return hit(q, o); }); };
    for (var k = 0; k <= 40 && !best; k++) {
      for (var j = 0; j < 4 && !best; j++) {
        var s = sides[j % 2], d = (j < 2 ? 1 : -1) * k * h;
        if ((k || j < 2) && free(at(s, d))) { best = {s: s, d: d}; }
      }
    }
    best = best || {s: sides[0], d: 0};
    var s = best.s, d = best.d;
    el.style.left = s.left ? "auto" : (36 + s.dx) + "px";
    el.style.right = s.left ? (36 - s.dx) + "px" : "";
    el.style.top = d + "px";
    if (leader) {
      leader.style.left = s.left ? "-1px" : "";
      leader.style.top = (d < 0 ? 10 + d : 10) + "px";
      leader.style.height = Math.abs(d) + "px"; leader.style.display = d ? "block" : "none";
    }
    taken.push(at(s, d));
  });
}
map.whenReady(function () { setTimeout(pxSpread, 0); });
map.on("zoomend moveend", function () { setTimeout(pxSpread, 0); });
"""


def _located_sites(ctx: MapContext) -> pd.DataFrame:
    """:func:`~proximity.maps.site_views.site_table`; every site must have a location.

    Raises
    ------
    ParameterError
        When a chosen site cannot be located.
    """
    table = site_table(ctx.siting, ctx.city, ctx.candidates)
    located = table.dropna(subset=["lon", "lat"])
    if len(located) < len(table):
        missing = table.loc[table["lon"].isna(), "site_id"].tolist()
        raise ParameterError(
            f"Cannot locate proposed sites: {', '.join(missing)}.",
            fix="Pass candidates= (a GeoDataFrame with the candidate ids and geometry) or "
            "a SitingResult whose per_site table has coordinates.",
        )
    return table


def _impact_html(ctx: MapContext, site_id: str) -> str:
    """The newly covered population per area of one site (largest first)."""
    names = ctx.area_names
    impact = [(names.get(a, a), v) for a, v in site_area_impact(ctx.siting, site_id)]
    if not impact:
        return ""
    return (
        f"<b>{html_text(ctx.tx['impact'])}</b><ul>"
        + "".join(
            f"<li>{html_text(a)}: +{fmt_int(v, ctx.lang)}{ctx.tx['count_suffix']}</li>"
            for a, v in impact
        )
        + "</ul>"
    )


def _gini_html(ctx: MapContext, site_id: str) -> str:
    """The Gini of the covered share between areas before → after the site, if known."""
    gini = site_gini(ctx.siting, site_id)
    if gini is None:
        return ""
    gb, ga, gd = gini
    lang = ctx.lang
    return (
        f"<div class='px-gini-share'><b>{html_text(GAP_TEXT[lang]['gini_share'])}"
        f"</b>: {fmt_num(gb, 3, lang)} → {fmt_num(ga, 3, lang)} "
        f"({'+' if gd > 0 else ''}{fmt_num(gd, 3, lang)})</div>"
    )


def _nonprofits_html(ctx: MapContext, site: pd.Series) -> str:
    """Non-profits near one site, or a wording that claims no absence the data lacks."""
    siting, city, lang, sid = ctx.siting, ctx.city, ctx.lang, site["site_id"]
    orgs = site_nonprofits(siting, city, sid, (site["lon"], site["lat"]))
    np_label = site_nonprofit_label(siting, city, sid, lang)
    out = f"<b>{html_text(ctx.tx['nonprofits'])}</b>"
    if not orgs:
        absent = nonprofit_absence_text(siting, city, sid, lang)
        return out + f": <span class='px-nonprofits-absent'>{html_text(absent)}</span>"
    if np_label:
        out += f": {html_text(np_label)}"
    return (
        out
        + "<ul>"
        + "".join(
            f"<li>{html_text(nm)}"
            + (f" ({html_text(kind)})" if kind else "")
            + (f", {fmt_int(d, lang)} m" if d is not None else "")
            + "</li>"
            for nm, kind, d in orgs
        )
        + "</ul>"
    )


def robustness_text(siting: Any, site_id: str, lang: str = "sv") -> str:
    """The robustness of a site: "vald i 7 av 9 beräkningar (…)", or "inte beräknad"."""
    st = SITE_TEXT[lang]
    rob = site_robustness(siting, site_id)
    if isinstance(rob, tuple):
        return st["robust_count"].format(k=rob[0], m=rob[1])
    if rob is None:
        return st["robust_none"]
    return st["robust_share"].format(p=fmt_pct(rob, 0, lang))


def _lonlat_text(lon: float, lat: float, lang: str) -> str:
    east = "Ö" if lang == "sv" else "E"
    return f"{fmt_num(lat, 5, lang)}° N, {fmt_num(lon, 5, lang)}° {east}"


def _site_rows(ctx: MapContext, s: pd.Series, unit: str, area: str) -> list[tuple[str, str]]:
    """The popup rows of one site: rank, gain, area, location, cumulative share, robustness."""
    tx, st, lang = ctx.tx, SITE_TEXT[ctx.lang], ctx.lang
    n = int(s["rank"])
    prow = [(tx["rank"], str(n)), (unit, fmt_int(s["marginal_gain"], lang))]
    if area:
        prow.append((tx["area"], area))
    prow.append((st["location"], _lonlat_text(float(s["lon"]), float(s["lat"]), lang)))
    if s.get("cumulative_share") is not None and not pd.isna(s.get("cumulative_share")):
        ranks = "1" if n == 1 else f"1–{n}"
        prow.append((st["cumulative"].format(n=ranks), fmt_pct(s["cumulative_share"], 1, lang)))
    prow.append((st["robustness"], robustness_text(ctx.siting, s["site_id"], lang)))
    return prow


def _site_marker(n: int, label: str) -> dict[str, Any]:
    """The ``L.divIcon`` of one site: numbered pin, leader line and permanent label."""
    return {
        "className": "px-marker px-site",
        "html": (
            f"{TETHER_SVG}"
            f'<div class="px-site-pin" data-rank="{n}"><span>{n}</span></div>'
            '<div class="px-site-leader"></div>'
            f'<div class="px-site-label" data-rank="{n}">{html_text(label)}</div>'
        ),
        "iconSize": [34, 34],
        "iconAnchor": [17, 34],
        "popupAnchor": [0, -30],
    }


def _site_feature(ctx: MapContext, s: pd.Series, site_label: str, unit: str) -> dict[str, Any]:
    """The numbered, named pin of one proposed site with its tooltip and popup."""
    from shapely.geometry import Point

    n = int(s["rank"])
    aid = str(s["area_id"] or "")
    area = ctx.area_names.get(aid, aid) if aid else ""
    name = site_display_name(s.get("name"), n, area or None, ctx.lang)
    title = f"{site_label.format(n=n)}: {name}"
    extra = (
        _impact_html(ctx, s["site_id"]) + _gini_html(ctx, s["site_id"]) + _nonprofits_html(ctx, s)
    )
    props = {
        "_icon": _site_marker(n, f"{n} {name}"),
        "_title": title,
        "_tooltip": html_text(f"{SITE_TEXT[ctx.lang]['proposal']}: {n} {name}"),
        "_popup": popup_table(title, _site_rows(ctx, s, unit, area), extra),
        "_z": 1000 - n,
    }
    return feature(Point(float(s["lon"]), float(s["lat"])), props)


def add_sites(ctx: MapContext, fmap: ProximityMap, add_layer: Any) -> None:
    """The proposed sites, numbered by rank and named (if there is a siting result)."""
    fmap.counts["sites"] = 0
    siting = ctx.siting
    if siting is None or not len(list(getattr(siting, "chosen", []) or [])):
        return
    table = _located_sites(ctx)
    table["cumulative_share"] = cumulative_shares(siting, table)
    site_label, sites_name = site_labels(siting, ctx.lang)
    mclp = str(getattr(siting, "model", "mclp")) == "mclp"
    unit = ctx.tx["site_cover"] if mclp else ctx.tx["gain"]
    feats = [_site_feature(ctx, s, site_label, unit) for _, s in table.iterrows()]
    add_layer(fmap, feats, name=sites_name, show=True)
    fmap.add_child(MapScript(FAN_PINS_JS + SPREAD_LABELS_JS))
    fmap.counts["sites"] = len(feats)
