"""The proposed sites of a map: numbered pins with permanent, spread-apart name labels.

Each site is named everywhere (:func:`~proximity.maps.site_views.site_display_name`): the
label next to the pin ("1 Drottninghögs bibliotek"), the tooltip ("Förslag: …") and the popup
("Föreslaget stadsdelskontor nr 1: Drottninghögs bibliotek") with the area, location, gain,
cumulative share, robustness and nearby non-profits. Labels that would overlap are moved
down in rank order (pixel space, recomputed after each zoom), with a leader line to the pin.
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

__all__ = ["SITE_TEXT", "SPREAD_LABELS_JS"]

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

#: Spreads the site labels apart: in rank order, a label that overlaps an earlier label or
#: any pin moves down by its own height until free; a leader line joins it to its pin. A label
#: that would run off the map or under a panel goes left of its pin (slid back in, and so
#: moved below its pin, when it runs off the left edge too).
SPREAD_LABELS_JS = """
function pxSpread() {
  var labels = Array.prototype.slice.call(document.querySelectorAll(".px-site-label"));
  labels.sort(function (a, b) { return (+a.dataset.rank) - (+b.dataset.rank); });
  var edge = map.getContainer().getBoundingClientRect();
  var taken = Array.prototype.map.call(document.querySelectorAll(".leaflet-marker-icon.px-site"),
    function (p) { return p.getBoundingClientRect(); });
  var hit = function (r, o) { return r.left < o.right && o.left < r.right &&
    r.top < o.bottom && o.top < r.bottom; };
  var panels = Array.prototype.map.call(
    map.getContainer().querySelectorAll(".leaflet-control"), function (p) {
      return p.getBoundingClientRect(); });
  labels.forEach(function (el) {
    el.style.top = "0px"; el.style.left = ""; el.style.right = "";
    var leader = el.parentNode.querySelector(".px-site-leader");
    var r = el.getBoundingClientRect();
    var under = panels.some(function (o) { return hit(r, o); });
    if (r.right > edge.right - 4 || under) {  // no room on the right: label left of the pin
      el.style.left = "auto"; el.style.right = "36px"; r = el.getBoundingClientRect();
      if (leader) { leader.style.left = "-1px"; }
    } else if (leader) { leader.style.left = ""; }
    if (r.left < edge.left + 4) {  // off the left edge as well: slide in, below its pin
      el.style.right = (36 - (edge.left + 4 - r.left)) + "px"; r = el.getBoundingClientRect();
    }
    var dy = 0, h = r.height + 2;
    var at = function (d) { return {left: r.left, right: r.right, top: r.top + d,
      bottom: r.bottom + d}; };
    for (var i = 0; i < 40 && taken.some(function (o) { return hit(at(dy), o); }); i++) {
      dy += h;
    }
    el.style.top = dy + "px";
    if (leader) { leader.style.height = dy + "px"; leader.style.display = dy ? "block" : "none"; }
    taken.push(at(dy));
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
            f'<div class="px-site-pin"><span>{n}</span></div>'
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
    fmap.add_child(MapScript(SPREAD_LABELS_JS))
    fmap.counts["sites"] = len(feats)
