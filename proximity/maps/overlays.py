"""What makes a map readable on its own: the title, the headline, the boundary, area names.

- :func:`map_title`: the title says what the map shows, e.g. "Andel som når ett bibliotek
  inom 15 minuters promenad (vuxen)";
- :func:`headline_text`: the answer in one line, e.g. "35 % av invånarna (52 337 personer)
  når ett stadsdelskontor inom 15 min, i dag 2 %";
- :func:`add_boundary`: the municipal / study-area boundary, always drawn;
- :func:`add_area_labels`: the area names as permanent labels at representative points, so
  that the map can be read offline without background tiles.
"""

from __future__ import annotations

from typing import Any

import folium
import numpy as np
import shapely

from proximity._text import html_text
from proximity.maps.elements import (
    GeoJsonFeatures,
    MapScript,
    ProximityMap,
    collection,
    feature,
)
from proximity.maps.labels import category_label, fmt_int, fmt_pct, profile_label, threshold_text
from proximity.maps.views import municipality_total
from proximity.sources.city import is_municipality

__all__ = [
    "CATEGORY_INDEFINITE_SV",
    "DECLUTTER_JS",
    "add_area_labels",
    "add_boundary",
    "add_network",
    "category_phrase",
    "headline_text",
    "map_title",
]

#: "når ett bibliotek": the category as the object of "når" (Swedish).
CATEGORY_INDEFINITE_SV = {
    "labour_market": "Arbetsförmedlingen eller ett jobbtorg",
    "social_services": "socialtjänsten",
    "health_centre": "en vårdcentral",
    "library": "ett bibliotek",
    "housing_company_office": "ett områdeskontor för bostadsbolaget",
    "meeting_place": "en mötesplats",
    "youth_centre": "en fritidsgård",
    "citizen_service": "medborgarservice",
    "district_office": "ett stadsdelskontor",
}

_TEXT = {
    "sv": {
        "title": "Andel som når {c} inom {t} minuters promenad ({p})",
        "title_proxy": "Andel av bostadsytan som når {c} inom {t} minuters promenad ({p})",
        "headline": "{s} av invånarna ({n} personer) når {c} inom {t} min",
        "headline_proxy": "{s} av bostadsytan ({n} m²) når {c} inom {t} min",
        "today": ", i dag {b}",
        "boundary_municipality": "Kommungräns",
        "boundary_study_area": "Studieområdets gräns",
        "area_names": "Områdesnamn",
    },
    "en": {
        "title": "Share who reach {c} within {t} minutes' walk ({p})",
        "title_proxy": "Share of floor area that reaches {c} within {t} minutes' walk ({p})",
        "headline": "{s} of residents ({n} people) reach {c} within {t} min",
        "headline_proxy": "{s} of floor area ({n} m²) reaches {c} within {t} min",
        "today": ", today {b}",
        "boundary_municipality": "Municipal boundary",
        "boundary_study_area": "Study area boundary",
        "area_names": "Area names",
    },
}


def category_phrase(category: str, lang: str = "sv") -> str:
    """The category as the object of "reach": "ett bibliotek" / "a library"."""
    if lang == "sv":
        return CATEGORY_INDEFINITE_SV.get(category, category_label(category, lang).lower())
    label = category_label(category, lang).lower()
    return ("an " if label[:1] in "aeiou" else "a ") + label


def map_title(
    category: str, threshold_min: float, profile: str, *, lang: str = "sv", proxy: bool = False
) -> str:
    """The title: "Andel som når ett bibliotek inom 15 minuters promenad (vuxen)"."""
    return _TEXT[lang]["title_proxy" if proxy else "title"].format(
        c=category_phrase(category, lang),
        t=threshold_text(threshold_min),
        p=profile_label(profile, lang).lower() if lang == "sv" else profile_label(profile, lang),
    )


def headline_text(
    rows: Any,
    total: Any,
    *,
    category: str,
    threshold_min: float,
    lang: str = "sv",
    proxy: bool = False,
    baseline_share: float | None = None,
) -> str:
    """The headline: "35 % av invånarna (52 337 personer) når … inom 15 min, i dag 2 %"."""
    tot = municipality_total(rows, total)
    tx = _TEXT[lang]
    text = tx["headline_proxy" if proxy else "headline"].format(
        s=fmt_pct(tot["covered_share"], 0, lang),
        n=fmt_int(tot["covered"], lang),
        c=category_phrase(category, lang),
        t=threshold_text(threshold_min),
    )
    if baseline_share is not None:
        text += tx["today"].format(b=fmt_pct(baseline_share, 0, lang))
    return text


def _add_static_layer(fmap: ProximityMap, feats: list[dict[str, Any]], name: str) -> None:
    layer = folium.FeatureGroup(name=html_text(name), overlay=True, show=True)
    layer.add_child(GeoJsonFeatures(collection(feats)))
    layer.add_to(fmap)


def add_boundary(city: Any, areas_wgs84: Any, fmap: ProximityMap, lang: str = "sv") -> None:
    """The municipal / study-area boundary (``city.boundary``, else the union of the areas)."""
    import geopandas as gpd

    boundary = getattr(city, "boundary", None)
    crs = getattr(city, "crs", None)
    if boundary is not None and crs is not None and not getattr(boundary, "is_empty", True):
        geom = gpd.GeoSeries([boundary], crs=crs).to_crs(4326).iloc[0]
    else:
        geom = areas_wgs84.union_all()
    style = {
        "color": "#222222",
        "weight": 3,
        "fill": False,
        "dashArray": "8 4",
        "className": "px-boundary",
        "interactive": False,
    }
    key = "boundary_municipality" if is_municipality(city) else "boundary_study_area"
    _add_static_layer(fmap, [feature(geom, {"_style": style})], _TEXT[lang][key])
    fmap.counts["boundary"] = 1


#: Keeps the area names readable next to the site labels: in page order (largest area
#: first), a name that would overlap a site label, a site or office pin or a name already
#: placed moves to the nearest free place (up to seven lines up or down, twice its width
#: sideways) whose
#: centre is still inside its own area and which the map's edge does not cut; only when no
#: such place is free is it hidden. Recomputed after each zoom, so hidden names reappear
#: when zooming in.
DECLUTTER_JS = """
function pxDeclutter() {
  var box = function (e) { return e.getBoundingClientRect(); };
  var hit = function (r, o) { return r.left < o.right && o.left < r.right &&
    r.top < o.bottom && o.top < r.bottom; };
  var edge = box(map.getContainer());
  var taken = Array.prototype.map.call(
    document.querySelectorAll(".px-site-label, .leaflet-marker-icon.px-site, " +
      ".leaflet-marker-icon.px-office"), box);
  var steps = [];
  for (var x = -2; x <= 2; x += 0.5) {
    for (var y = -4.2; y <= 4.3; y += 0.6) { steps.push([x, Math.round(y * 10) / 10]); }
  }
  steps.sort(function (a, b) { return (Math.abs(a[0]) * 2 + Math.abs(a[1])) -
    (Math.abs(b[0]) * 2 + Math.abs(b[1])); });
  document.querySelectorAll(".px-area-label span").forEach(function (el) {
    el.style.visibility = ""; el.style.left = "0px"; el.style.top = "0px";
    var r = box(el), w = r.width, h = r.height, own = "px-area-n" + el.dataset.area;
    var at = function (d) { return {left: r.left + d[0] * w, right: r.right + d[0] * w,
      top: r.top + d[1] * h, bottom: r.bottom + d[1] * h}; };
    var inOwn = function (q) {
      return document.elementsFromPoint((q.left + q.right) / 2, (q.top + q.bottom) / 2)
        .some(function (e) { return e.classList && e.classList.contains(own); }); };
    var free = steps.filter(function (d) { var q = at(d);
      return q.left >= edge.left + 2 && q.right <= edge.right - 2 && q.top >= edge.top &&
        q.bottom <= edge.bottom && !taken.some(function (o) { return hit(q, o); }) &&
        inOwn(q); })[0];
    if (!free) { el.style.visibility = "hidden"; return; }
    el.style.left = free[0] * w + "px"; el.style.top = free[1] * h + "px";
    taken.push(at(free));
  });
}
map.whenReady(function () { setTimeout(pxDeclutter, 10); });
map.on("zoomend moveend", function () { setTimeout(pxDeclutter, 10); });
"""


def add_area_labels(areas_wgs84: Any, fmap: ProximityMap, lang: str = "sv") -> None:
    """Each area's name as a permanent label at a point inside it."""
    feats = []
    # largest first: those names are placed first when names crowd (degrees² rank areas
    # of one city as m² do)
    order = np.argsort(-shapely.area(areas_wgs84.geometry.to_numpy()), kind="stable")
    for i in order:
        a = areas_wgs84.iloc[i]
        if a.geometry is None or a.geometry.is_empty:
            continue
        name = str(a.get("name", a["area_id"]))
        icon = {
            "className": "px-area-label",
            "html": f"<span data-area='{int(i)}'>{html_text(name)}</span>",
            "iconSize": [0, 0],
            "iconAnchor": [0, 0],
        }
        feats.append(feature(_label_point(a.geometry), {"_icon": icon, "_static": 1}))
    _add_static_layer(fmap, feats, _TEXT[lang]["area_names"])
    fmap.add_child(MapScript(DECLUTTER_JS))
    fmap.counts["area_labels"] = len(feats)


#: How far (metres) the drawn walking network may stray from the real one (simplification).
NETWORK_SIMPLIFY_M = 3.0


def _label_point(geom: Any) -> Any:
    """Where an area's name goes: the pole of inaccessibility of its largest part.

    The point inside the polygon farthest from its edge (``shapely.ops.polylabel``, to about
    1/200 of the part's size), so the name has the most room; else a representative point.
    """
    from shapely.ops import polylabel

    parts = getattr(geom, "geoms", [geom])
    part = max(parts, key=lambda g: g.area)
    if part.geom_type != "Polygon" or part.area <= 0:
        return geom.representative_point()
    minx, miny, maxx, maxy = part.bounds
    return polylabel(part, tolerance=max(maxx - minx, maxy - miny) / 200)


def add_network(
    network: Any, fmap: ProximityMap, lang: str = "sv", *, simplify_m: float = NETWORK_SIMPLIFY_M
) -> None:
    """The walking network as a light layer, so that streets show when tiles cannot load.

    ``network`` is anything with ``edges_gdf()`` (a :class:`proximity.network.Network`) or a
    GeoDataFrame of lines. To keep the page small, the edges are merged into lines (no
    noding), simplified by ``simplify_m`` metres in their metric CRS and rounded to 1e-5°
    (about 1 m). Drawn thin and light grey, under the areas, not clickable.
    """
    import geopandas as gpd

    edges = network.edges_gdf() if hasattr(network, "edges_gdf") else network
    if edges is None or len(edges) == 0:
        fmap.counts["network_edges"] = 0
        return
    merged = shapely.line_merge(shapely.multilinestrings(edges.geometry.to_numpy()))
    if edges.crs is not None and not edges.crs.is_geographic:
        merged = shapely.simplify(merged, simplify_m)
    if edges.crs is not None:
        merged = gpd.GeoSeries([merged], crs=edges.crs).to_crs(4326).iloc[0]
    merged = shapely.set_precision(merged, 1e-5)
    style = {
        "color": "#8c8c8c",
        "weight": 1,
        "opacity": 0.8,
        "className": "px-network",
        "interactive": False,
    }
    name = "Gångnätverk (OpenStreetMap)" if lang == "sv" else "Walking network (OpenStreetMap)"
    _add_static_layer(fmap, [feature(merged, {"_style": style})], name)
    fmap.counts["network_edges"] = len(edges)
