"""The boxes of a map: layer control, title, legend and "Om kartan" (about this map).

Each is one ``_add_<box>(ctx, fmap)`` step of :func:`proximity.maps.make_map`; the HTML is
built from the texts of :mod:`proximity.maps.labels` and the data views, escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import folium
import pandas as pd

from proximity._text import html_text
from proximity.maps.context import MapContext
from proximity.maps.elements import (
    CATEGORY_STYLE,
    DEFAULT_STYLE,
    Control,
    MapScript,
    ProximityMap,
    js_json,
    panel_html,
    pin_html,
)
from proximity.maps.labels import (
    GAP_TEXT,
    OSM_ATTRIBUTION,
    category_label,
    distance_method_text,
    fmt_int,
    is_crowfly,
    profile_label,
    quality_detail_html,
    site_labels,
    snap_quality_text,
)
from proximity.maps.views import (
    AREA_FILL_OPACITY,
    NO_DATA_COLOUR,
    SHARE_COLOURS,
    categories_without_service,
    data_dates,
    quality_counts,
    share_class_labels,
    unlocated_services,
)

__all__: list[str] = []


#: Leaflet's layer toggle is a link titled "Layers" that Enter opens and nothing closes from
#: the keyboard: name it in the map's language, say whether it is open (``aria-expanded``,
#: kept in step however it opens), let Enter/Space open it (focus on its first switch) and
#: Escape or leaving it with Tab close it. The
#: panels come first in the tab order (they are drawn above the map whatever their order).
LAYERS_KEYBOARD_JS = """
var panes = map.getContainer(), controls = panes.querySelector(".leaflet-control-container");
panes.insertBefore(controls, panes.firstChild);  // Tab reaches the panels before the shapes
var box = map.getContainer().querySelector(".leaflet-control-layers");
var link = box && box.querySelector(".leaflet-control-layers-toggle");
if (link) {
  var label = %s, open = function () {
    return box.classList.contains("leaflet-control-layers-expanded"); };
  link.title = label; link.setAttribute("aria-label", label);
  var sync = function () { link.setAttribute("aria-expanded", open() ? "true" : "false"); };
  sync();
  new MutationObserver(sync).observe(box, {attributes: true, attributeFilter: ["class"]});
  var set = function (on) { box.classList.toggle("leaflet-control-layers-expanded", on); };
  link.addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault(); e.stopImmediatePropagation(); set(true);
      var first = box.querySelector("input");  // the toggle hides once the list is open
      if (first) { first.focus(); }
    }
  }, true);
  box.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && open()) { e.preventDefault(); set(false); link.focus(); }
  });
  box.addEventListener("focusout", function (e) {
    if (open() && e.relatedTarget && !box.contains(e.relatedTarget)) { set(false); }
  });
}
"""


def _add_layer_control(ctx: MapContext, fmap: ProximityMap) -> None:
    """The layer switcher (collapsed: it would cover the map), scale bar, hidden failed tiles."""
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    fmap.add_child(MapScript(LAYERS_KEYBOARD_JS % js_json(ctx.tx["layers"])))
    fmap.add_child(
        MapScript(
            "if (window.innerWidth < 640) { map.attributionControl.setPrefix(false); }\n"
            "if (window.innerWidth >= 640) {"
            " L.control.scale({imperial: false, position: 'bottomleft'}).addTo(map); }\n"
            "map.eachLayer(function (l) { if (l instanceof L.TileLayer) {"
            " l.on('tileerror', function (e) { e.tile.style.visibility = 'hidden'; }); } });"
        )
    )


def _title_html(ctx: MapContext) -> str:
    """The title with flag lines: crow-fly distances, floor-area proxy, unlocated services."""
    tx, access = ctx.tx, ctx.access
    title_html = f"<h1 class='px-heading'>{html_text(ctx.page_title)}</h1>"
    if ctx.subtitle:
        title_html += f"<div class='px-subtitle'>{html_text(ctx.subtitle)}</div>"
    if ctx.headline:
        title_html += f"<div class='px-headline' id='px-headline'>{html_text(ctx.headline)}</div>"
    if is_crowfly(access):
        title_html += (
            f"<div class='px-flag' id='px-crowfly-title'>⚠ {html_text(tx['method'])}: "
            f"{html_text(distance_method_text(access, ctx.lang))}</div>"
        )
    if ctx.proxy:
        title_html += (
            f"<div class='px-flag' id='px-proxy-title'>⚠ {html_text(tx['proxy_title'])}</div>"
        )
    snap_warning = snap_quality_text(access, ctx.lang)
    if snap_warning:
        title_html += f"<div class='px-flag' id='px-snap-title'>⚠ {html_text(snap_warning)}</div>"
    n_unloc = len(unlocated_services(ctx.city).get(ctx.category, []))
    if n_unloc:  # coverage of this category is underestimated: say so where it is seen
        key = "underestimated_1" if n_unloc == 1 else "underestimated"
        title_html += (
            "<div class='px-flag' id='px-unlocated-title'>⚠ "
            + html_text(GAP_TEXT[ctx.lang][key].format(n=n_unloc))
            + "</div>"
        )
    return title_html


def _add_title_box(ctx: MapContext, fmap: ProximityMap) -> None:
    """The title box (top left); the map itself is labelled with the title and headline."""
    fmap.add_child(
        Control(
            _title_html(ctx),
            element_id="px-title",
            position="topleft",
            css_class="px-box px-title",
        )
    )
    fmap.add_child(  # the label is read from the box's text: no data in the script
        MapScript(
            "var t = document.querySelector('#px-title .px-heading');\n"
            "var h = document.getElementById('px-headline');\n"
            "map.getContainer().setAttribute('role', 'region');\n"
            "map.getContainer().setAttribute('aria-label', 'Karta: ' + (t ? t.textContent : '')"
            " + (h ? '. ' + h.textContent : ''));"
        )
    )


def _swatch(colour: str, cls: str) -> str:
    """A legend swatch painted like an area: same fill colour and opacity, same background."""
    return (
        f"<span class='px-swatch {cls}'><span class='px-swatch-fill' "
        f"style='background:{colour};opacity:{AREA_FILL_OPACITY}'></span></span>"
    )


def _legend_html(ctx: MapContext, used_categories: Sequence[str], counts: Mapping[str, int]) -> str:
    """Share classes, service pins of the drawn categories, sites and residents."""
    tx, lang = ctx.tx, ctx.lang
    rows = [f"<div><b>{html_text(ctx.measure)}</b><br>{html_text(ctx.cat_label)}</div>"]
    for i, (colour, text) in enumerate(zip(SHARE_COLOURS, share_class_labels(lang), strict=True)):
        rows.append(f"<div class='px-legend-row'>{_swatch(colour, f'px-class-{i}')}{text}</div>")
    rows.append(
        f"<div class='px-legend-row'>{_swatch(NO_DATA_COLOUR, 'px-class-none')}"
        f"{html_text(tx['no_data'])}</div>"
    )
    for cat in used_categories:
        icon, colour = CATEGORY_STYLE.get(cat, DEFAULT_STYLE)
        label = tx["offices"] if cat == "district_office" else category_label(cat, lang)
        rows.append(
            "<div class='px-legend-row'>"
            + pin_html(icon, colour, "px-office-pin" if cat == "district_office" else "")
            + f"{html_text(label)}</div>"
        )
    if counts.get("sites"):
        sites_name = site_labels(ctx.siting, lang)[1] if ctx.siting is not None else ""
        rows.append(
            "<div class='px-legend-row'><div class='px-site-pin' style='width:24px;height:24px'>"
            f"<span style='font-size:11px'>1</span></div>{html_text(sites_name)}</div>"
        )
    if counts.get("residents"):
        cells = tx["residents_cells"].format(
            c=fmt_int(ctx.privacy_cell_m, lang), n=fmt_int(ctx.privacy_min_count, lang)
        )
        swatch = (  # painted like a cell: same fill, opacity and border
            "<span class='px-swatch' style='border-color:#7f2704;border-width:1px'>"
            "<span class='px-swatch-fill' style='background:#f16913;opacity:0.55'></span></span>"
        )
        rows.append(
            f"<div class='px-legend-row'>{swatch}<span>{html_text(tx['residents'])}"
            f"<br><small>{html_text(cells)}</small></span></div>"
        )
    return panel_html(tx["legend"], "".join(rows), "px-legend-body")


def _add_legend(ctx: MapContext, fmap: ProximityMap, used_categories: Sequence[str]) -> None:
    """The legend box (bottom left)."""
    fmap.add_child(
        Control(
            _legend_html(ctx, used_categories, fmap.counts),
            element_id="px-legend",
            position="bottomleft",
            css_class="px-box px-legend",
        )
    )


def _names_compact(names: Sequence[str], limit: int = 3, lang: str = "sv") -> str:
    shown = list(names[:limit])
    rest = len(names) - len(shown)
    if rest > 0:
        shown.append(f"+{rest} till" if lang == "sv" else f"+{rest} more")
    return ", ".join(shown)


def _gaps_html(city: Any, lang: str, category: str | None = None) -> list[str]:
    """Info-box items on missing services.

    Known but unlocated services per category and categories without any located service
    (``#px-unlocated-services``, ``#px-no-service``). The line of the map's own
    ``category`` comes first, in bold.
    """
    gt = GAP_TEXT[lang]
    unloc = unlocated_services(city)
    missing = categories_without_service(city)
    out = []
    rows = []
    for cat, names in sorted(unloc.items(), key=lambda kv: kv[0] != category):
        if cat in missing:
            continue
        full = ", ".join(names)
        text = html_text(
            f"{category_label(cat, lang)}: {len(names)} ({_names_compact(names, 2, lang)})"
        )
        if cat == category:
            text = f"<b class='px-unlocated-current'>{text}</b>"
        rows.append(f"<li title='{html_text(full)}'>{text}</li>")
    if rows:
        out.append(
            f"<li id='px-unlocated-services'>{html_text(gt['unlocated_services'])}:"
            f"<ul>{''.join(rows)}</ul></li>"
        )
    if missing:
        rows = []
        for cat in missing:
            names = unloc.get(cat, [])
            line = f"{category_label(cat, lang)}: {gt['no_service']}"
            if names:
                key = "known_unlocated" if len(names) == 1 else "known_unlocated_pl"
                line += f" ({gt[key].format(n=len(names))}: {_names_compact(names, 2, lang)})"
            rows.append(f"<li>{html_text(line)}</li>")
        out.append(
            f"<li id='px-no-service'><span class='px-flag'>⚠ {html_text(gt['no_service_head'])}"
            f"</span><ul>{''.join(rows)}</ul></li>"
        )
    return out


#: The approximate-input lines of the info box: (city layer, quality column, text key, flag id).
_APPROX_INPUTS = (
    ("areas", "boundary_quality", "approx_areas", "px-approx-areas-flag"),
    ("services", "location_quality", "approx_services", "px-approx-services-flag"),
    ("demand", "location_quality", "approx_demand", "px-approx-demand-flag"),
)


def _approx_items(ctx: MapContext) -> list[str]:
    """Counts of approximate inputs (flagged when any) and the unlocated population."""
    tx, lang, city = ctx.tx, ctx.lang, ctx.city
    approx = []
    for layer, column, key, flag_id in _APPROX_INPUTS:
        na, nt, counts = quality_counts(getattr(city, layer, None), column)
        if not (nt and counts):
            continue
        text = tx[key].format(n=na, m=nt)
        detail = quality_detail_html(counts, lang)
        cls = f" class='px-flag' id='{flag_id}'" if na else ""
        approx.append(
            f"<li><span{cls}>{'⚠ ' if na else ''}{html_text(text)}</span> ({detail})</li>"
        )
    unlocated = getattr(city, "unlocated", None)
    if unlocated is not None and len(unlocated) and "population" in unlocated:
        n_unloc = float(pd.to_numeric(unlocated["population"], errors="coerce").sum())
        if n_unloc > 0:
            txt = tx["unlocated"].format(n=fmt_int(n_unloc, lang))
            approx.append(f"<li>{html_text(txt)}</li>")
    if not approx:
        approx.append(f"<li>{html_text(tx['approx_none'])}</li>")
    return approx


def _info_html(ctx: MapContext) -> str:
    """Dates, distance method, population unit, profile, approximate inputs, data gaps."""
    tx, lang, access = ctx.tx, ctx.lang, ctx.access
    dates = data_dates(ctx.city, access)
    items = []
    line = f"{tx['data_date']}: {dates['date']} ({tx['computed']})"
    if "population_year" in dates:
        line += f"; {tx['population_year']}: {dates['population_year']}"
    if "osm_date" in dates:
        line += f"; {tx['osm_date']}: {dates['osm_date']}"
    items.append(f"<li>{html_text(line)}</li>")
    method = distance_method_text(access, lang)
    if is_crowfly(access):
        items.append(
            f"<li><div class='px-flag' id='px-crowfly-flag'>⚠ {html_text(tx['method'])}: "
            f"{html_text(method)}. {html_text(tx['crowfly_warn'])}</div></li>"
        )
    else:
        items.append(f"<li>{html_text(tx['method'])}: {html_text(method)}</li>")
    if "proxy_flag" in tx:  # the population is residential floor area, not persons
        items.append(
            f"<li><div class='px-flag' id='px-population-proxy-flag'>⚠ "
            f"{html_text(tx['proxy_flag'])}</div></li>"
        )
    profile = html_text(profile_label(ctx.profile, lang))
    items.append(f"<li>{html_text(tx['profile'].capitalize())}: {profile}</li>")
    items.append(f"<li>{html_text(tx['approx'])}:<ul>{''.join(_approx_items(ctx))}</ul></li>")
    items.extend(_gaps_html(ctx.city, lang, ctx.category))
    items.append(f"<li>{html_text(OSM_ATTRIBUTION[lang])}</li>")
    return panel_html(tx["info"], f"<ul>{''.join(items)}</ul>", "px-info-body")


def _add_info_box(ctx: MapContext, fmap: ProximityMap) -> None:
    """The "Om kartan" box (bottom right)."""
    fmap.add_child(
        Control(
            _info_html(ctx),
            element_id="px-info",
            position="bottomright",
            css_class="px-box px-info",
        )
    )


#: Fits the study area into the part of the map that no panel covers. Each panel blocks
#: either a band at the top/bottom or a band at the left/right; of all these choices, the
#: one with the largest zoom (then the largest free area) gives Leaflet's ``fitBounds``
#: padding. Run once the panels exist (phone panels start closed, so they are small). An
#: opened popup that lies under a panel is moved down (top panels) or up (bottom panels); one
#: that scrolls (on a phone) can be focused, so that the keyboard can scroll it.
FIT_JS = """
var pxBounds = L.latLngBounds(%s);
function pxFit() {
  var c = map.getContainer().getBoundingClientRect(), W = c.width, H = c.height, gap = 8;
  var rects = [];
  map.getContainer().querySelectorAll(".leaflet-control").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width && r.height) { rects.push({l: r.left - c.left, t: r.top - c.top,
      r: r.right - c.left, b: r.bottom - c.top}); }
  });
  var best = null;
  for (var m = 0; m < (1 << rects.length); m++) {
    var p = {t: gap, b: gap, l: gap, r: gap};
    rects.forEach(function (q, i) {
      if (m & (1 << i)) {
        if (q.l + q.r < W) { p.l = Math.max(p.l, q.r + gap); }
        else { p.r = Math.max(p.r, W - q.l + gap); }
      } else if (q.t + q.b < H) { p.t = Math.max(p.t, q.b + gap); }
      else { p.b = Math.max(p.b, H - q.t + gap); }
    });
    var w = W - p.l - p.r, h = H - p.t - p.b;
    if (w < 80 || h < 80) { continue; }
    var z = map.getBoundsZoom(pxBounds, false, L.point(p.l + p.r, p.t + p.b));
    var score = z * 1e7 + w * h;
    if (!best || score > best.score) { best = {score: score, p: p}; }
  }
  if (!best) { map.fitBounds(pxBounds, {animate: false}); return; }
  map.fitBounds(pxBounds, {paddingTopLeft: [best.p.l, best.p.t],
    paddingBottomRight: [best.p.r, best.p.b], animate: false});
}
pxFit();
map.on("popupopen", function (e) {
  var content = e.popup.getElement() && e.popup.getElement().querySelector(".leaflet-popup-content");
  if (content && content.scrollHeight > content.clientHeight) {  // scrolls: reachable by Tab
    content.setAttribute("tabindex", "0");
  }
  setTimeout(function () {
  var el = e.popup.getElement(); if (!el) { return; }
  var r = el.getBoundingClientRect(), c = map.getContainer().getBoundingClientRect(), dy = 0;
  map.getContainer().querySelectorAll(".leaflet-control").forEach(function (p) {
    var q = p.getBoundingClientRect();
    if (!(r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom)) {
      return; }
    if (q.top - c.top < c.height / 2) { dy = Math.max(dy, q.bottom - r.top + 8); }
    else { dy = Math.min(dy, q.top - r.bottom - 8); }
  });
  if (dy) { map.panBy([0, -dy], {animate: false}); }
}, 300); });  // Leaflet's autopan is animated (0.25 s): measure once it has ended
"""


def add_fit(fmap: ProximityMap, bounds: Sequence[Sequence[float]]) -> None:
    """Fit ``[[south, west], [north, east]]`` in the part of the map the panels leave free.

    Added after every panel (see :data:`FIT_JS`).
    """
    fmap.add_child(MapScript(FIT_JS % js_json([list(map(float, b)) for b in bounds])))
