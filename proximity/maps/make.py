"""Build, render and save a map: :func:`make_map`, :func:`render_html`, :func:`save_map`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import folium
from branca.element import Figure

from proximity import _io
from proximity._text import html_text
from proximity.errors import OutputError, ParameterError
from proximity.maps.area_class import add_area_class
from proximity.maps.assets import asset_comment, external_asset_urls, inline_external
from proximity.maps.boxes import (
    _add_info_box,
    _add_layer_control,
    _add_legend,
    _add_title_box,
    add_fit,
)
from proximity.maps.context import MapContext
from proximity.maps.draw import (
    _add_areas,
    _add_isochrones,
    _add_services,
    _add_sites,
    _add_tiles,
)
from proximity.maps.elements import CSS, ProximityMap, Raw
from proximity.maps.labels import (
    category_label,
    check_lang,
    is_population_proxy,
    threshold_text,
    unit_text,
)
from proximity.maps.overlays import (
    add_area_labels,
    add_boundary,
    add_network,
    headline_text,
    map_title,
)
from proximity.maps.privacy import PRIVACY_CELL_M, PRIVACY_MIN_COUNT, add_residents, check_privacy
from proximity.maps.views import area_geometries, municipality_total, select_coverage, to_wgs84

__all__ = ["make_map", "render_html", "save_map"]


def make_map(
    city: Any,
    access: Any,
    *,
    siting: Any = None,
    category: str,
    threshold_min: float,
    profile: str = "adult",
    baseline: Any = None,
    offline: bool = True,
    lang: str = "sv",
    show_residents: bool = False,
    privacy_cell_m: float = PRIVACY_CELL_M,
    privacy_min_count: float = PRIVACY_MIN_COUNT,
    isochrones: Any = None,
    candidates: Any = None,
    tiles: bool = True,
    cluster_services: bool = False,
    service_categories: Iterable[str] | None = None,
    all_services: bool = False,
    title: str | None = None,
    network: Any = None,
) -> ProximityMap:
    """Build the coverage map of one category, threshold and walking profile.

    Parameters
    ----------
    city
        A ``City`` (duck-typed; see the module docstring for the attributes used).
    access
        An ``Access``; its ``areas`` table must hold rows for ``category``, ``profile`` and
        ``threshold_min``.
    siting
        Optional ``SitingResult``; its chosen sites are drawn numbered by rank.
    category, threshold_min, profile
        Which coverage to colour the areas by. A category with no existing service (a new
        kind of office being sited) is drawn like any other: every area at 0 %, the gap
        listed in "Om kartan"; show proposed offices with ``siting=`` (ranked sites), or
        compute ``access`` with ``compute_access(..., extra_services=planned)`` to colour
        the areas by the coverage the planned offices would give.
    baseline
        Optional ``Access`` of a baseline scenario; popups then show the change of covered
        share and covered residents.
    offline
        Inline all JS/CSS so that the page works without internet (default). ``False``
        keeps folium's CDN links (smaller file).
    lang
        ``"sv"`` (default) or ``"en"``.
    show_residents
        Add a layer of residents without access: the demand points outside the threshold
        (``access.points`` with ``minutes``; else all demand points) summed per square cell
        of ``privacy_cell_m`` metres in the study area's metric CRS, cells with fewer than
        ``privacy_min_count`` residents left out. No point is drawn on its own.
    privacy_cell_m, privacy_min_count
        The cell side (default and minimum 250 m) and the smallest count shown (default and
        minimum 5); smaller values raise :class:`~proximity.errors.ParameterError`.
    isochrones
        Reached network / isochrone geometries for display: a GeoDataFrame with a
        ``category`` column, or a mapping ``category -> GeoDataFrame | GeoSeries | geometry``
        (CRS: their own, else the city's).
    candidates
        Optional GeoDataFrame of candidate sites (id column ``site_id``/``candidate_id``/
        ``id``) used to locate chosen sites when ``siting.per_site`` has no coordinates.
    tiles
        Add the OpenStreetMap tile layer (hidden gracefully when offline).
    cluster_services
        Cluster service markers (Leaflet.markercluster, inlined offline) for large cities.
    service_categories
        Service categories to draw (default: all in ``city.services``). Each is its own
        switchable layer.
    all_services
        Show every service layer at start; by default only ``category`` and the existing
        district offices are switched on (the others are in the layer control).
    network
        The walking network (a ``Network`` or a GeoDataFrame of lines), drawn as a light
        layer under the areas so that the streets show when the background tiles cannot
        load (offline). Default: not drawn (``Access`` does not carry the network).
    title
        A subtitle shown under the map's title (default: the city name). The title itself
        always says what the map shows ("Andel som når ett bibliotek inom 15 minuters
        promenad (vuxen)"), with a headline of the municipal total below it.

    Returns
    -------
    ProximityMap
        A ``folium.Map`` subclass; write it with :func:`save_map`.

    Raises
    ------
    ParameterError
        Unknown category, profile or threshold (the message lists the available ones),
        an empty result, an unknown language, or a privacy cell under 250 m / a minimum
        count under 5.
    """
    lang = check_lang(lang)
    cell_m, min_count = check_privacy(privacy_cell_m, privacy_min_count)
    proxy = is_population_proxy(access, city)
    tx = unit_text(lang, proxy)  # floor-area wording when the population is a proxy
    rows, total = select_coverage(
        access, category=category, threshold_min=threshold_min, profile=profile
    )
    base_rows, base_share = _baseline(baseline, category, threshold_min, profile)
    crs = getattr(city, "crs", None)
    areas = _areas_wgs84(city, access, crs)
    measure = tx["share_title"].format(t=threshold_text(threshold_min))
    cat_label = category_label(category, lang)
    heading = map_title(category, threshold_min, profile, lang=lang, proxy=proxy)
    subtitle = title or str(getattr(city, "name", "") or "")
    headline = headline_text(
        rows,
        total,
        category=category,
        threshold_min=threshold_min,
        lang=lang,
        proxy=proxy,
        baseline_share=base_share,
    )
    ctx = MapContext(
        city=city,
        access=access,
        siting=siting,
        category=category,
        threshold_min=float(threshold_min),
        profile=profile,
        lang=lang,
        tx=tx,
        proxy=proxy,
        rows=rows,
        base_rows=base_rows,
        areas=areas,
        area_names=_area_names(areas),
        crs=crs,
        measure=measure,
        cat_label=cat_label,
        page_title=heading,
        subtitle=subtitle,
        headline=headline,
        offline=offline,
        tiles=tiles,
        show_residents=show_residents,
        privacy_cell_m=cell_m,
        privacy_min_count=min_count,
        isochrones=isochrones,
        candidates=candidates,
        cluster_services=cluster_services,
        service_categories=service_categories,
        all_services=all_services,
    )
    fmap = _new_map(ctx)
    _add_tiles(ctx, fmap)
    if network is not None:
        add_network(network, fmap, lang)
    _add_areas(ctx, fmap)
    add_boundary(city, areas, fmap, lang)
    add_area_class(areas, fmap, lang)  # socio-economic class layer (issue 14), if any
    add_area_labels(areas, fmap, lang)
    _add_isochrones(ctx, fmap)
    add_residents(ctx, fmap)
    used_categories = _add_services(ctx, fmap)
    _add_sites(ctx, fmap)
    _add_layer_control(ctx, fmap)
    _add_title_box(ctx, fmap)
    _add_legend(ctx, fmap, used_categories)
    _add_info_box(ctx, fmap)
    minx, miny, maxx, maxy = areas.total_bounds
    add_fit(fmap, [[miny, minx], [maxy, maxx]])  # after the panels: it measures them
    return fmap


def _baseline(
    baseline: Any, category: str, threshold_min: float, profile: str
) -> tuple[Any, float | None]:
    """The baseline's rows indexed by ``area_id`` and its total covered share (or ``None``)."""
    if baseline is None:
        return None, None
    base_rows, base_total = select_coverage(
        baseline, category=category, threshold_min=threshold_min, profile=profile
    )
    share = municipality_total(base_rows, base_total)["covered_share"]
    return base_rows.set_index("area_id"), share


def _areas_wgs84(city: Any, access: Any, crs: Any) -> Any:
    """The area polygons in EPSG:4326 with ``area_id`` as text.

    Raises
    ------
    ParameterError
        When there are no areas, or they have no CRS.
    """
    areas = area_geometries(city, access)
    if areas is None or len(areas) == 0:
        raise ParameterError(
            "The city has no areas to draw.", fix="Load a city with an areas layer."
        )
    areas_ll = to_wgs84(areas, crs)
    if areas_ll.crs is None:
        raise ParameterError(
            "The city's areas have no CRS.", fix="Set city.crs or areas.crs (e.g. EPSG:3006)."
        )
    return areas_ll.assign(area_id=areas_ll["area_id"].astype(str))


def _area_names(areas: Any) -> dict[str, str]:
    return {
        str(a): str(n)
        for a, n in zip(areas["area_id"], areas.get("name", areas["area_id"]), strict=True)
    }


def _new_map(ctx: MapContext) -> ProximityMap:
    """The empty map centred on the areas, with the page title, assets (offline) and CSS."""
    minx, miny, maxx, maxy = ctx.areas.total_bounds
    fmap = ProximityMap(
        location=[(miny + maxy) / 2.0, (minx + maxx) / 2.0],
        zoom_start=12,
        zoom_snap=0.25,  # the fit below can use the room the panels leave
        tiles=None,
        control_scale=False,
        prefer_canvas=False,
    )
    fmap.offline = ctx.offline
    fmap.lang = ctx.lang
    fmap.counts = {}
    fig = fmap.get_root()
    assert isinstance(fig, Figure)
    doc_title = f"{ctx.page_title} – {ctx.subtitle}" if ctx.subtitle else ctx.page_title
    fig.header.add_child(Raw(f"<title>{html_text(doc_title)}</title>"), name="px_title")
    if ctx.offline:
        fmap.default_js = []
        fmap.default_css = []
        for asset in ("leaflet_css", "fontawesome_css", "leaflet_js", "jquery_js"):
            fig.header.add_child(Raw(asset_comment(asset)), name=f"px_{asset}")
    fig.header.add_child(Raw(CSS), name="px_css")
    return fmap


def _stable_ids(root: Any) -> None:
    """Give every element of the page a deterministic id, in tree order.

    folium's ids are random (``uuid4``); these make the same map render to the same bytes.
    """
    stack = [root]
    n = 0
    while stack:
        el = stack.pop()
        el._id = f"{n:04d}"
        n += 1
        stack.extend(reversed(list(getattr(el, "_children", {}).values())))


_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')
_ZOOMABLE = '<meta name="viewport" content="width=device-width, initial-scale=1.0">'


def _tree_children(root: Any) -> list[tuple[Any, Any]]:
    """Every element under ``root`` with a copy of its children.

    A figure's header, html and script parts are held outside its children: included.
    """
    parts = [getattr(root, name, None) for name in ("header", "html", "script")]
    out, stack = [], [root, *(p for p in parts if p is not None)]
    while stack:
        el = stack.pop()
        children = getattr(el, "_children", None)
        if children is not None:
            out.append((el, children.copy()))
            stack.extend(children.values())
    return out


def render_html(m: folium.Map, *, offline: bool | None = None) -> str:
    """Render a map to one HTML string.

    Parameters
    ----------
    m
        The map (normally from :func:`make_map`).
    offline
        Inline external assets (default: the map's own ``offline`` flag, else True). Known
        CDN links folium or its plugins add are replaced by bundled copies; Bootstrap and
        awesome-markers are dropped.

    Raises
    ------
    OutputError
        Offline, if the page would still need an external script or stylesheet.
    """
    if offline is None:
        offline = bool(getattr(m, "offline", True))
    fig = m.get_root()
    # rendering adds elements to the tree (scripts, styles, "add to map" steps of layers):
    # undo that afterwards, so that rendering again gives the same ids and bytes
    before = _tree_children(fig)
    try:
        _stable_ids(fig)
        page = fig.render()
    finally:
        for el, children in before:
            el._children = children
    lang = getattr(m, "lang", "sv")
    page = page.replace("<html>", f'<html lang="{lang}">', 1)
    # folium forbids zooming (maximum-scale=1, user-scalable=no): WCAG 1.4.4 needs it
    page = _VIEWPORT.sub(_ZOOMABLE, page, count=1)
    if offline:
        page = inline_external(page)
        remaining = external_asset_urls(page)
        if remaining:  # pragma: no cover - _inline_external raises first
            raise OutputError(f"External assets remain in the page: {remaining}")
    return page


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write a map as a single self-contained HTML file, atomically.

    The page is rendered completely in memory first; the file only appears, complete,
    when everything succeeded (no partial file on any error).

    Parameters
    ----------
    m
        The map from :func:`make_map`.
    path
        Target ``.html`` file; its folder is created if needed.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        The folder cannot be created or written, or (offline maps) an external asset
        cannot be inlined.
    """
    page = render_html(m)
    target = Path(path)
    try:
        with _io.atomic_path(target) as tmp:
            tmp.write_text(page, encoding="utf-8")
        return target
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(
            f"Cannot write the map: {exc.strerror or exc}",
            file=target,
            fix="Choose a folder you can write to and check the free disk space.",
        ) from exc
