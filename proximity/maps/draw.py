"""The layers of a map, one ``_add_<layer>(ctx, fmap)`` step each.

Base layers (tiles), the areas choropleth, reached areas (isochrones), residents without
access, services per category and the proposed sites; the boxes (title, legend, info) are in
:mod:`proximity.maps.boxes`. :func:`proximity.maps.make_map` calls the steps in this order,
which is the order of the layers in the page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import folium
import numpy as np
import pandas as pd

from proximity._text import html_text
from proximity.errors import ParameterError
from proximity.maps.area_class import class_text
from proximity.maps.assets import asset_comment
from proximity.maps.context import MapContext
from proximity.maps.elements import (
    CATEGORY_STYLE,
    DEFAULT_STYLE,
    OSM_TILES,
    GeoJsonFeatures,
    MapScript,
    ProximityMap,
    Raw,
    class_token,
    collection,
    feature,
    js_json,
    pin_html,
    popup_table,
)
from proximity.maps.groups import group_label, group_shares
from proximity.maps.labels import (
    OSM_ATTRIBUTION,
    category_label,
    fmt_int,
    fmt_num,
    fmt_pct,
    quality_label,
    threshold_text,
)
from proximity.maps.site_views import (
    siting_area_effect,
)
from proximity.maps.views import (
    AREA_FILL_OPACITY,
    finite_or_none,
    share_class,
    share_colour,
    to_wgs84,
)
from proximity.maps.wording_sv import source_sv

__all__: list[str] = []


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _minutes(mean: float | None, lang: str) -> str:
    """A mean time as shown: ``12,3``; ``< 1`` below a minute (the access leg is the trip)."""
    if mean is None:
        return "–"
    return "<\u00a01" if mean < 1.0 else fmt_num(mean, 1, lang)


def _class_token(share: float | None) -> str:
    """The class suffix of an area's CSS class (``0``…``5`` or ``none``), as in the legend."""
    k = share_class(share)
    return "none" if k is None else str(k)


def _layer_name(text: str) -> str:
    """A layer's name for the layer control, which Leaflet inserts as HTML: escaped."""
    return html_text(text)


def _add_layer(
    fmap: ProximityMap, features: list[dict[str, Any]], *, name: str, **group: Any
) -> None:
    """One switchable layer (a ``FeatureGroup`` named ``name``, plain text) holding ``features``."""
    layer = folium.FeatureGroup(name=_layer_name(name), **group)
    layer.add_child(GeoJsonFeatures(collection(features)))
    layer.add_to(fmap)


# ---- base layers ------------------------------------------------------------------------


def _add_tiles(ctx: MapContext, fmap: ProximityMap) -> None:
    """The OpenStreetMap tile layer (optional) and the "Ingen bakgrundskarta" base layer."""
    if ctx.tiles:
        folium.TileLayer(
            tiles=OSM_TILES,
            attr=OSM_ATTRIBUTION[ctx.lang],
            name=_layer_name(ctx.tx["tiles"]),
            max_zoom=19,
            overlay=False,
            control=True,
        ).add_to(fmap)
    folium.FeatureGroup(
        name=_layer_name(ctx.tx["no_tiles"]), overlay=False, control=True, show=not ctx.tiles
    ).add_to(fmap)
    if not ctx.tiles:  # Leaflet shows the attribution as HTML
        attribution = js_json(html_text(OSM_ATTRIBUTION[ctx.lang]))
        fmap.add_child(MapScript(f"map.attributionControl.addAttribution({attribution});"))


# ---- areas choropleth -------------------------------------------------------------------


def _coverage_rows(
    ctx: MapContext, aid: str, by_area: pd.DataFrame
) -> tuple[float | None, list[tuple[str, str]]]:
    """``(covered share, popup rows)`` of one area: counts, share, mean time, baseline change."""
    tx, lang = ctx.tx, ctx.lang
    if aid not in by_area.index:
        return None, [(tx["share"], tx["no_data"])]
    r = by_area.loc[aid]
    pop = float(r["population"])
    cov = float(r["covered"])
    share = finite_or_none(r.get("covered_share"))
    mean = finite_or_none(r.get("mean_min"))
    prow = [
        (tx["population"], fmt_int(pop, lang)),
        (tx["covered"], fmt_int(cov, lang)),
        (tx["uncovered"], fmt_int(pop - cov, lang)),
        (tx["share"], fmt_pct(share, 1, lang) if share is not None else tx["no_data"]),
        (tx["mean_min"], _minutes(mean, lang)),
    ]
    if ctx.proxy:  # floor area is a relative weight: the share is the main figure
        prow.insert(0, prow.pop(3))
    if ctx.base_rows is not None and aid in ctx.base_rows.index:
        b = ctx.base_rows.loc[aid]
        bshare = finite_or_none(b.get("covered_share"))
        if share is not None and bshare is not None:
            d = 100.0 * (share - bshare)
            sign = "+" if d > 0 else ""
            prow.append((tx["change"], f"{sign}{fmt_num(d, 1, lang)} {tx['pp']}"))
        dcov = cov - float(b["covered"])
        sign = "+" if dcov > 0 else ""
        prow.append((tx["change"], f"{sign}{fmt_int(dcov, lang)} {tx['people']}"))
    return share, prow


def _group_rows(ctx: MapContext, aid: str, shares: pd.DataFrame) -> list[tuple[str, str]]:
    """Popup rows of the share covered per population group (none without group data)."""
    if ctx.proxy or shares.empty or aid not in shares.index:  # floor area: no groups
        return []
    rows = []
    for g, v in shares.loc[aid].items():
        share = finite_or_none(v)
        label = f"{ctx.tx['share']}, {group_label(g) if ctx.lang == 'sv' else g}"
        rows.append((label, fmt_pct(share, 0, ctx.lang) if share is not None else "–"))
    return rows


def _effect_label(ctx: MapContext) -> str:
    """The popup label of the siting effect, e.g. "Med förslagen (bibliotek inom 10 min)"."""
    siting = ctx.siting
    return ctx.tx["with_sites"].format(
        c=category_label(str(getattr(siting, "category", "district_office")), ctx.lang).lower(),
        t=threshold_text(getattr(siting, "threshold_min", ctx.threshold_min)),
    )


def _add_areas(ctx: MapContext, fmap: ProximityMap) -> None:
    """The areas coloured by covered share, with a popup of the numbers per area."""
    tx, lang = ctx.tx, ctx.lang
    by_area = ctx.rows.set_index("area_id")
    effect = siting_area_effect(ctx.siting) if ctx.siting is not None else None
    effect_label = _effect_label(ctx)
    groups = group_shares(
        ctx.access, category=ctx.category, threshold_min=ctx.threshold_min, profile=ctx.profile
    )
    feats = []
    for i, (_, a) in enumerate(ctx.areas.iterrows()):
        aid = a["area_id"]
        name = str(a.get("name", aid))
        share, prow = _coverage_rows(ctx, aid, by_area)
        prow += _group_rows(ctx, str(aid), groups)
        if effect is not None and aid in effect.index:
            e = effect.loc[aid]
            b, f = finite_or_none(e["share_before"]), finite_or_none(e["share_after"])
            if b is not None and f is not None:
                prow.append((effect_label, f"{fmt_pct(b, 1, lang)} → {fmt_pct(f, 1, lang)}"))
        quality = a.get("boundary_quality")
        if not _is_missing(quality):
            prow.append((tx["quality"], quality_label(quality, lang)))
        shown = fmt_pct(share, 0, lang) if share is not None else tx["no_data"]
        style = {
            "fillColor": share_colour(share),
            "color": "#444444",
            "weight": 1.5,
            "fillOpacity": AREA_FILL_OPACITY,
            # px-area-n<i>: the area's name label stays inside it (overlays.DECLUTTER_JS)
            "className": f"px-area px-class-{_class_token(share)} px-area-n{i}",
        }
        props = {
            "area_id": aid,
            "_style": style,
            "_popup": popup_table(f"{name}", prow),
            "_tooltip": html_text(f"{name}: {shown}" + (f" ({k})" if (k := class_text(a)) else "")),
        }
        feats.append(feature(a.geometry, props))
    _add_layer(fmap, feats, name=f"{ctx.measure} – {ctx.cat_label}", overlay=True, show=True)
    fmap.counts["areas"] = len(feats)


# ---- isochrones / reached network ---------------------------------------------------------


def _at_threshold(g: Any, threshold_min: float | None) -> Any:
    if threshold_min is not None and "threshold_min" in g:
        g = g.loc[np.isclose(g["threshold_min"].to_numpy(float), float(threshold_min))]
    return g


def _iter_isochrones(
    isochrones: Any, crs: Any, threshold_min: float | None = None
) -> Iterable[tuple[str, list[Any]]]:
    """Yield ``(category, [geometries in EPSG:4326])`` from the ``isochrones`` argument."""
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

    if isochrones is None:
        return
    if isinstance(isochrones, gpd.GeoDataFrame) and "category" in isochrones:
        g = _at_threshold(to_wgs84(isochrones, crs), threshold_min)
        for cat in sorted(g["category"].astype(str).unique()):
            yield cat, list(g.loc[g["category"].astype(str) == cat].geometry)
        return
    if isinstance(isochrones, Mapping):
        for cat in sorted(isochrones):
            v = isochrones[cat]
            if isinstance(v, BaseGeometry):
                v = gpd.GeoSeries([v], crs=crs)
            g = _at_threshold(to_wgs84(v, crs), threshold_min)
            yield str(cat), list(g.geometry)
        return
    raise ParameterError(
        "isochrones must be a GeoDataFrame with a 'category' column or a mapping "
        "category -> geometries.",
        fix="Pass e.g. {'library': access.isochrone_polygons(...)}.",
    )


def _add_isochrones(ctx: MapContext, fmap: ProximityMap) -> None:
    """One layer per category of reached areas (only the map's category shown at start)."""
    reached = ctx.tx["reached"].format(t=ctx.threshold_text)
    n_iso = 0
    for cat, geoms in _iter_isochrones(ctx.isochrones, ctx.crs, ctx.threshold_min):
        _icon, colour = CATEGORY_STYLE.get(cat, DEFAULT_STYLE)
        style = {
            "color": colour,
            "weight": 2,
            "fillColor": colour,
            "fillOpacity": 0.15,
            "className": "px-isochrone",
        }
        tooltip = html_text(f"{category_label(cat, ctx.lang)}: {reached}")
        feats = [
            feature(g, {"_style": style, "_tooltip": tooltip})
            for g in geoms
            if g is not None and not g.is_empty
        ]
        if not feats:
            continue
        name = f"{reached}: {category_label(cat, ctx.lang)}"
        _add_layer(fmap, feats, name=name, show=cat == ctx.category)
        n_iso += len(feats)
    fmap.counts["isochrones"] = n_iso


# ---- residents ----------------------------------------------------------------------------


# ---- services ------------------------------------------------------------------------------


def _service_categories(ctx: MapContext, services: Any) -> list[str]:
    """The service categories to draw, sorted, district offices last (drawn on top)."""
    cats = sorted(pd.Series(services["category"]).astype(str).unique().tolist())
    if ctx.service_categories is not None:
        wanted = set(ctx.service_categories)
        cats = [c for c in cats if c in wanted]
    return [c for c in cats if c != "district_office"] + (
        ["district_office"] if "district_office" in cats else []
    )


def _service_features(ctx: MapContext, services: Any, cat: str) -> list[dict[str, Any]]:
    """Markers (``L.divIcon`` pins) of one category's services, with popups."""
    tx, lang = ctx.tx, ctx.lang
    sub = services.loc[services["category"].astype(str) == cat]
    sub = sub.sort_values("service_id", kind="stable") if "service_id" in sub else sub
    icon, colour = CATEGORY_STYLE.get(cat, DEFAULT_STYLE)
    office = cat == "district_office"
    kind_class = "px-office" if office else "px-service"
    feats = []
    for _, s in sub.iterrows():
        g = s.geometry
        if g is None or g.is_empty:
            continue
        if g.geom_type != "Point":
            g = g.representative_point()
        name = str(s.get("name", s.get("service_id", "")))
        prow = [(tx["category"], category_label(cat, lang))]
        for col, key in (("source", "source"), ("location_quality", "quality")):
            v = s.get(col)
            if not _is_missing(v):
                text = str(v) if lang != "sv" else source_sv(str(v))
                prow.append((tx[key], quality_label(v, lang) if key == "quality" else text))
        marker = {
            "className": f"px-marker {kind_class} px-cat-{class_token(cat)}",
            "html": pin_html(icon, colour, "px-office-pin" if office else ""),
            "iconSize": [26, 26],
            "iconAnchor": [13, 13],
            "popupAnchor": [0, -13],
        }
        props = {
            "_icon": marker,
            "_title": name,
            "_popup": popup_table(name, prow),
            "_z": 200 if office else 0,
        }
        feats.append(feature(g, props))
    return feats


def _cluster(ctx: MapContext, fmap: ProximityMap, layer: folium.FeatureGroup) -> Any:
    """A marker cluster inside ``layer`` (its assets inlined in the page header offline)."""
    from folium.plugins import MarkerCluster

    target = MarkerCluster(control=False, options={"maxClusterRadius": 40})
    if ctx.offline:
        target.default_js = []
        target.default_css = []
        header = fmap.get_root().header
        for asset in ("markercluster_css", "markercluster_default_css", "markercluster_js"):
            header.add_child(Raw(asset_comment(asset)), name=f"px_{asset}")
    layer.add_child(target)
    return target


def _add_services(ctx: MapContext, fmap: ProximityMap) -> list[str]:
    """One layer per service category; returns the categories drawn (for the legend).

    Only the map's category and the district offices are shown at start, unless
    ``all_services``; markers other than offices are clustered if ``cluster_services``.
    """
    services = getattr(ctx.city, "services", None)
    counts = {"services": 0, "services_visible": 0, "offices": 0}
    used_categories: list[str] = []
    if services is not None and len(services):
        sv_ll = to_wgs84(services, ctx.crs)
        for cat in _service_categories(ctx, sv_ll):
            feats = _service_features(ctx, sv_ll, cat)
            if not feats:
                continue
            used_categories.append(cat)
            office = cat == "district_office"
            lname = (
                ctx.tx["offices"]
                if office
                else f"{ctx.tx['services']}: {category_label(cat, ctx.lang)}"
            )
            visible = office or cat == ctx.category or ctx.all_services
            layer = folium.FeatureGroup(name=_layer_name(lname), show=visible)
            target = _cluster(ctx, fmap, layer) if ctx.cluster_services and not office else layer
            target.add_child(GeoJsonFeatures(collection(feats)))
            layer.add_to(fmap)
            if office:
                counts["offices"] += len(feats)
            else:
                counts["services"] += len(feats)
                counts["services_visible"] += len(feats) if visible else 0
    fmap.counts.update(counts)
    return used_categories


# ---- proposed sites (proximity.maps.sites) -------------------------------------------------


def _add_sites(ctx: MapContext, fmap: ProximityMap) -> None:
    """The proposed sites, numbered by rank and named (see :mod:`proximity.maps.sites`)."""
    from proximity.maps.sites import add_sites

    add_sites(ctx, fmap, _add_layer)
