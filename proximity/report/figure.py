"""The report's static map of the result (a PNG for the HTML report and its PDF).

:func:`map_figure` draws, with matplotlib's Agg backend, the areas filled by covered share in
the classes and colours of the HTML map (:data:`proximity.maps.views.SHARE_COLOURS`,
:func:`~proximity.maps.views.share_class`, the same fill opacity), the municipal or
study-area boundary, the existing services of the category and the proposed sites,
numbered in rank order and named in a list beside the map. It returns the PNG with a
Swedish alt text and a text equivalent (the figure caption: which areas fall in which class,
and the sites), so the figure is readable without seeing it.

The PNG is deterministic: fixed size and dpi, no bounding-box fitting, and no metadata
(matplotlib's ``Software`` key removed), so a re-run gives the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from proximity.maps.labels import category_label, fmt_int
from proximity.maps.site_views import site_display_name
from proximity.maps.views import (
    AREA_FILL_OPACITY,
    NO_DATA_COLOUR,
    SHARE_COLOURS,
    area_geometries,
    share_class,
    share_class_labels,
)
from proximity.report.blocks import Block
from proximity.report.charts import _literal
from proximity.sources.city import is_municipality

__all__ = ["FIGURE_DPI", "MapFigure", "figure_blocks", "map_figure"]

#: Resolution of the map figure (dots per inch): sharp on paper, small enough for the HTML.
FIGURE_DPI = 150
#: Size of the figure in inches (width, height): the map, with the legend below it.
_SIZE_IN = (7.0, 7.4)
_SERVICE_COLOUR = "#222222"
_SITE_COLOUR = "#d7301f"  # the proposed sites: red, set apart from the viridis fills
_BOUNDARY = {"sv": ("Kommungräns", "Studieområdets gräns")}


@dataclass(frozen=True)
class MapFigure:
    """The map figure: PNG bytes, a Swedish alt text and a text equivalent (caption)."""

    png: bytes
    alt: str
    caption: str


def _metric(gdf: Any, city: Any) -> Any:
    """``gdf`` in the city's metric CRS (else its own projected CRS, else a UTM zone)."""
    crs = getattr(city, "crs", None)
    if gdf.crs is None and crs is not None:
        gdf = gdf.set_crs(crs)
    if crs is not None and not gdf.crs.equals(crs):
        gdf = gdf.to_crs(crs)
    if gdf.crs is not None and gdf.crs.is_geographic:
        gdf = gdf.to_crs(gdf.estimate_utm_crs())
    return gdf


def _boundary(city: Any, areas: Any) -> Any:
    """The municipal / study-area boundary in the areas' CRS (else the union of the areas)."""
    import geopandas as gpd

    boundary = getattr(city, "boundary", None)
    crs = getattr(city, "crs", None)
    if boundary is not None and crs is not None and not getattr(boundary, "is_empty", True):
        return gpd.GeoSeries([boundary], crs=crs).to_crs(areas.crs)
    return gpd.GeoSeries([areas.union_all()], crs=areas.crs)


def _services(city: Any, category: str, crs: Any) -> np.ndarray:
    """x, y of the existing services of ``category`` (an ``(n, 2)`` array in ``crs``)."""
    svc = getattr(city, "services", None)
    if svc is None or len(svc) == 0 or "category" not in svc:
        return np.empty((0, 2))
    svc = svc[svc["category"].astype(str) == category]
    svc = svc[~svc.geometry.is_empty & svc.geometry.notna()]
    if len(svc) == 0:
        return np.empty((0, 2))
    if svc.crs is None:
        svc = svc.set_crs(getattr(city, "crs", None))
    pts = svc.to_crs(crs).geometry.representative_point()
    return np.column_stack([pts.x.to_numpy(float), pts.y.to_numpy(float)])


def _site_points(sites: pd.DataFrame | None, crs: Any) -> pd.DataFrame:
    """The located proposed sites: ``rank, x, y`` in ``crs`` (rank order)."""
    import geopandas as gpd

    if sites is None or len(sites) == 0:
        return pd.DataFrame({"rank": [], "x": [], "y": []})
    s = sites.loc[np.isfinite(sites["lon"].astype(float)) & np.isfinite(sites["lat"].astype(float))]
    pts = gpd.GeoSeries(gpd.points_from_xy(s["lon"], s["lat"]), crs=4326).to_crs(crs)
    return pd.DataFrame(
        {"rank": s["rank"].astype(int).to_numpy(), "x": pts.x.to_numpy(), "y": pts.y.to_numpy()}
    )


def _label_offsets(xy: np.ndarray, span: float) -> np.ndarray:
    """Offsets for the site numbers so that no two labels overlap (greedy, rank order).

    Each label tries eight directions at a distance of 3 % of the map's span, then twice as
    far, and takes the first whose position keeps 3 % of the span from every label and site
    already placed; else the last tried.
    """
    step = 0.03 * span
    dirs = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    tries = [(k * step * dx, k * step * dy) for k in (1, 2) for dx, dy in dirs]
    placed: list[np.ndarray] = []
    out = []
    for i, p in enumerate(xy):
        others = [q for j, q in enumerate(xy) if j != i]
        best = np.array(tries[-1])
        for off in tries:
            pos = p + np.array(off)
            taken = placed + others
            if all(np.hypot(*(pos - q)) >= step for q in taken):
                best = np.array(off)
                break
        placed.append(p + best)
        out.append(best)
    return np.array(out).reshape(-1, 2)


@dataclass(frozen=True)
class _Layers:
    """What every panel of the figure draws, in one metric CRS."""

    areas: Any  # GeoDataFrame: area_id, geometry
    boundary: Any  # GeoSeries: the municipal / study-area boundary
    colours: list[str]  # fill colour per area (share class)
    names: dict[str, str]
    services: np.ndarray  # (n, 2) x, y of the existing services
    sites: pd.DataFrame  # rank, x, y of the proposed sites


def _colours(areas: Any, share_by_id: dict[str, float]) -> list[str]:
    out = []
    for aid in areas["area_id"].astype(str):
        k = share_class(share_by_id.get(aid))
        out.append(NO_DATA_COLOUR if k is None else SHARE_COLOURS[k])
    return out


def _rings(geom: Any) -> list[np.ndarray]:
    """The exterior and interior rings of a (multi)polygon as ``(n, 2)`` arrays."""
    if geom is None or geom.is_empty:
        return []
    polys = getattr(geom, "geoms", [geom])
    out = []
    for p in polys:
        if p.geom_type != "Polygon":
            continue
        out.append(np.asarray(p.exterior.coords)[:, :2])
        out += [np.asarray(r.coords)[:, :2] for r in p.interiors]
    return out


def _path(geom: Any) -> Any:
    """A (multi)polygon as one matplotlib compound path (holes drawn as holes)."""
    from matplotlib.path import Path

    rings = _rings(geom)
    if not rings:
        return Path(np.zeros((1, 2)))
    return Path.make_compound_path(*(Path(r, closed=True) for r in rings))


def _inside(
    x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float] | None
) -> np.ndarray:
    """Whether each point lies in ``box`` (none when ``box`` is None)."""
    if box is None:
        return np.zeros(len(x), dtype=bool)
    return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def _zoom_box(areas: Any, full: np.ndarray) -> tuple[float, float, float, float] | None:
    """The box of the small (urban) areas, when they sit in a small part of the map.

    Small: at most 5 % of the total area. A zoom panel is drawn when at least three small
    areas lie within half of the map's span; a grid of equal cells gets none.
    """
    a = areas.geometry.area.to_numpy(float)
    small = areas.loc[a <= 0.05 * a.sum()]
    if len(small) < 3:
        return None
    x0, y0, x1, y1 = small.total_bounds
    if max(x1 - x0, y1 - y0) > 0.5 * max(full[2] - full[0], full[3] - full[1]):
        return None
    pad = 0.06 * max(x1 - x0, y1 - y0)
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


_NAME_PT = 6.5  # font size of the area names (points)


def _data_per_point(ax: Any) -> float:
    """Metres per typographic point in a panel at equal aspect (after its limits are set)."""
    fig_w, fig_h = ax.figure.get_size_inches()
    pos = ax.get_position()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return max((x1 - x0) / (72 * fig_w * pos.width), (y1 - y0) / (72 * fig_h * pos.height))


def _draw_area_names(ax: Any, layers: _Layers, box: Any, skip: Any) -> None:
    """Area names at representative points inside ``box`` and outside ``skip``, with a halo.

    Largest areas first; a name whose (estimated) text box would overlap one already drawn
    is left out, so that the names stay readable where areas are small (the caption names
    every area).
    """
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    areas = layers.areas
    pts = areas.geometry.representative_point()
    x, y = pts.x.to_numpy(float), pts.y.to_numpy(float)
    show = _inside(x, y, box) & ~_inside(x, y, skip)
    per_pt = _data_per_point(ax)
    half_h = 0.75 * _NAME_PT * per_pt
    placed: list[tuple[float, float, float, float]] = []
    for i in np.argsort(-areas.geometry.area.to_numpy(float), kind="stable"):
        if not show[i]:
            continue
        name = layers.names.get(str(areas["area_id"].iloc[i]), str(areas["area_id"].iloc[i]))
        half_w = 0.3 * _NAME_PT * per_pt * len(name)
        rect = (x[i] - half_w, y[i] - half_h, x[i] + half_w, y[i] + half_h)
        if any(
            r[0] < rect[2] and rect[0] < r[2] and r[1] < rect[3] and rect[1] < r[3] for r in placed
        ):
            continue
        placed.append(rect)
        ax.text(
            x[i],
            y[i],
            _literal(name),
            fontsize=_NAME_PT,
            ha="center",
            va="center",
            color="#222222",
            path_effects=halo,
            zorder=4,
        )


def _draw_sites(ax: Any, pts: pd.DataFrame, span: float, numbered: np.ndarray) -> None:
    """Markers for the proposed sites; those in ``numbered`` get their rank, without overlaps."""
    if len(pts) == 0:
        return
    xy = pts[["x", "y"]].to_numpy(float)
    ax.scatter(xy[:, 0], xy[:, 1], s=30, color=_SITE_COLOUR, edgecolor="white", zorder=6)
    xy, ranks = xy[numbered], pts["rank"].astype(int).to_numpy()[numbered]
    for (x, y), (dx, dy), rank in zip(xy, _label_offsets(xy, span), ranks, strict=True):
        ax.plot([x, x + dx], [y, y + dy], color=_SITE_COLOUR, linewidth=0.8, zorder=5)
        ax.text(
            x + dx,
            y + dy,
            str(rank),
            fontsize=8,
            fontweight="bold",
            ha="center",
            va="center",
            color="white",
            bbox={"boxstyle": "circle,pad=0.25", "fc": _SITE_COLOUR, "ec": "white", "lw": 0.8},
            zorder=7,
        )


def _panel(ax: Any, layers: _Layers, box: tuple[float, float, float, float], skip: Any) -> float:
    """One map panel showing ``box``; names and numbers inside ``skip`` are left to the zoom.

    Returns the panel's span in metres.
    """
    from matplotlib.collections import LineCollection, PathCollection

    ax.set_axis_off()
    ax.set_aspect("equal")
    paths = [_path(g) for g in layers.areas.geometry]
    fills = PathCollection(
        paths, facecolors=layers.colours, edgecolors="none", alpha=AREA_FILL_OPACITY
    )
    ax.add_collection(fills)
    ax.add_collection(
        PathCollection(paths, facecolors="none", edgecolors="#ffffff", linewidths=0.8)
    )
    rings = [r for g in layers.boundary for r in _rings(g)]
    ax.add_collection(LineCollection(rings, colors="#222222", linewidths=1.2, linestyles="--"))
    span = max(box[2] - box[0], box[3] - box[1])
    ax.set_xlim(box[0] - 0.04 * span, box[2] + 0.04 * span)
    ax.set_ylim(box[1] - 0.04 * span, box[3] + 0.04 * span)
    _draw_area_names(ax, layers, box, skip)
    svc = layers.services
    if len(svc):
        ax.scatter(
            svc[:, 0],
            svc[:, 1],
            marker="s",
            s=22,
            zorder=5,
            color=_SERVICE_COLOUR,
            edgecolor="white",
            linewidth=0.6,
        )
    sx, sy = layers.sites["x"].to_numpy(float), layers.sites["y"].to_numpy(float)
    numbered = _inside(sx, sy, box) & ~_inside(sx, sy, skip)
    _draw_sites(ax, layers.sites, span, numbered)
    _scale_bar(ax, box[0], box[1] - 0.025 * span, span)
    return span


def _legend(
    fig: Any,
    *,
    boundary_label: str,
    service_label: str | None,
    has_sites: bool,
    no_data: bool = False,
) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Patch(facecolor=c, alpha=AREA_FILL_OPACITY, edgecolor="none", label=lab)
        for c, lab in zip(SHARE_COLOURS, share_class_labels("sv"), strict=True)
    ]
    if no_data:
        handles.append(
            Patch(facecolor=NO_DATA_COLOUR, alpha=AREA_FILL_OPACITY, label="uppgift saknas")
        )
    handles.append(Line2D([], [], color="#222222", linestyle="--", label=boundary_label))
    if service_label:
        handles.append(
            Line2D([], [], marker="s", linestyle="", color=_SERVICE_COLOUR, label=service_label)
        )
    if has_sites:
        handles.append(
            Line2D([], [], marker="o", linestyle="", color=_SITE_COLOUR, label="Förslag (nr)")
        )
    fig.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.265),
        ncol=4,
        fontsize=7.5,
        frameon=False,
        title="Andel som når tjänsten",
        title_fontsize=8,
    )


def _scale_bar(ax: Any, x0: float, y0: float, span: float) -> None:
    """A scale bar of a round length (about a fifth of the map) at the lower left."""
    metres = 10 ** np.floor(np.log10(span / 5))
    for m in (5, 2):
        if m * metres <= span / 4:
            metres *= m
            break
    text = f"{fmt_int(metres / 1000)} km" if metres >= 1000 else f"{fmt_int(metres)} m"
    ax.plot([x0, x0 + metres], [y0, y0], color="#222222", linewidth=2.5, zorder=8)
    ax.text(x0 + metres + 0.015 * span, y0, text, fontsize=7, ha="left", va="center", zorder=8)


def _site_lines(sites: pd.DataFrame | None, names: dict[str, str], limit: int = 10) -> list[str]:
    """Lines like "1 Drottninghögs bibliotek (Norra staden)", in rank order (at most ``limit``)."""
    if sites is None or len(sites) == 0:
        return []
    out = []
    for _, s in sites.head(limit).iterrows():
        area = names.get(str(s["area_id"]), str(s["area_id"])) if s["area_id"] else ""
        name = site_display_name(s["name"], int(s["rank"]), area or None)
        out.append(f"{int(s['rank'])} {name}" + (f" ({area})" if area and area != name else ""))
    if len(sites) > limit:
        out.append(f"… och {len(sites) - limit} till (se tabellen)")
    return out


def _class_sentence(
    areas_ids: list[str], share_by_id: dict[str, float], names: dict[str, str]
) -> str:
    """Which areas fall in which class: "0 %: A, B. > 0–25 %: C."."""
    labels = share_class_labels("sv")
    by_class: dict[int, list[str]] = {}
    missing = []
    for aid in areas_ids:
        k = share_class(share_by_id.get(aid))
        (missing if k is None else by_class.setdefault(k, [])).append(names.get(aid, aid))
    parts = [f"{labels[k]}: {', '.join(v)}" for k, v in sorted(by_class.items())]
    if missing:
        parts.append(f"uppgift saknas: {', '.join(missing)}")
    return ". ".join(parts) + "."


def _texts(
    *,
    city: Any,
    category: str,
    measure: str,
    classes: str,
    n_services: int,
    site_lines: list[str],
) -> tuple[str, str]:
    """The alt text and the caption (text equivalent) of the map figure, in Swedish."""
    cat = category_label(category).lower()
    boundary = _BOUNDARY["sv"][0 if is_municipality(city) else 1].lower()
    sites = f" och {len(site_lines)} numrerade förslag" if site_lines else ""
    alt = (
        f"Karta: {measure}, per område, med {boundary}, befintliga platser för {cat}{sites}. "
        "Bildtexten beskriver kartan i ord."
    )
    caption = f"Kartan visar {measure} per område. {classes}"
    caption += f" Befintliga platser för {cat} (svarta rutor): {fmt_int(n_services)}."
    if site_lines:
        caption += " Föreslagna platser i rangordning (röda nummer): " + "; ".join(site_lines) + "."
    return alt, caption


def map_figure(
    city: Any,
    access: Any,
    *,
    rows: pd.DataFrame,
    category: str,
    measure: str,
    names: dict[str, str],
    sites: pd.DataFrame | None = None,
) -> MapFigure | None:
    """The static map of the result: areas by covered share, boundary, services and sites.

    Parameters
    ----------
    city, access
        The scenario's ``City`` and ``Access`` (duck-typed; see :mod:`proximity.maps`).
    rows
        The coverage rows shown (:func:`proximity.maps.views.select_coverage`).
    category
        The category whose existing services are drawn.
    measure
        The measure in words, e.g. "andel invånare inom 15 minuters gång till bibliotek".
    names
        ``{area_id: name}``.
    sites
        The proposed sites (:func:`proximity.maps.site_views.site_table`), if any.

    Returns
    -------
    MapFigure or None
        None when there are no area polygons to draw.
    """
    geo = area_geometries(city, access)
    if geo is None or len(geo) == 0 or "area_id" not in geo:
        return None
    areas = _metric(geo, city)
    share_by_id = {
        str(a): float(s) if pd.notna(s) else float("nan")
        for a, s in zip(rows["area_id"], rows["covered_share"], strict=True)
    }
    services = _services(city, category, areas.crs)
    site_lines = _site_lines(sites, names)
    layers = _Layers(
        areas=areas,
        boundary=_boundary(city, areas),
        colours=_colours(areas, share_by_id),
        names=names,
        services=services,
        sites=_site_points(sites, areas.crs),
    )
    png = _render(city, layers, site_lines=site_lines, category=category)
    classes = _class_sentence(list(areas["area_id"].astype(str)), share_by_id, names)
    alt, caption = _texts(
        city=city,
        category=category,
        measure=measure,
        classes=classes,
        n_services=len(services),
        site_lines=site_lines,
    )
    return MapFigure(png=png, alt=alt, caption=caption)


def _render(city: Any, layers: _Layers, *, site_lines: list[str], category: str) -> bytes:
    """Draw the figure and return it as PNG bytes (fixed size and dpi, no metadata).

    One panel of the whole map, or, when the small urban areas sit in a small part of it
    (:func:`_zoom_box`), an overview beside a zoom on them, its frame drawn on the overview.
    """
    # made outside pyplot: a notebook's inline backend stays as it is, nothing stays open
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    full = layers.boundary.total_bounds
    zoom = _zoom_box(layers.areas, full)
    fig = Figure(figsize=_SIZE_IN, dpi=FIGURE_DPI)
    if zoom is None:
        ax = fig.add_axes((0.01, 0.27, 0.98, 0.72))
        _panel(ax, layers, tuple(full), None)
    else:
        over = fig.add_axes((0.01, 0.27, 0.33, 0.72))
        _panel(over, layers, tuple(full), zoom)
        frame = Rectangle(
            (zoom[0], zoom[1]), zoom[2] - zoom[0], zoom[3] - zoom[1], fill=False, lw=1.0
        )
        over.add_patch(frame)
        ax = fig.add_axes((0.35, 0.27, 0.64, 0.72))
        _panel(ax, layers, zoom, None)
        ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, lw=1.0))
    _legend(
        fig,
        boundary_label=_BOUNDARY["sv"][0 if is_municipality(city) else 1],
        service_label=f"{category_label(category)} i dag" if len(layers.services) else None,
        has_sites=bool(len(layers.sites)),
        no_data=NO_DATA_COLOUR in layers.colours,
    )
    _site_list(fig, site_lines)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    return buf.getvalue()


def _site_list(fig: Any, lines: list[str]) -> None:
    """The proposed sites by number and name, in two columns under the legend."""
    if not lines:
        return
    fig.text(0.03, 0.115, "Förslag", fontsize=8, fontweight="bold", va="bottom")
    half = (len(lines) + 1) // 2
    for col, chunk in enumerate((lines[:half], lines[half:])):
        fig.text(
            0.03 + 0.48 * col,
            0.105,
            _literal("\n".join(_short(t) for t in chunk)),
            fontsize=7.5,
            va="top",
            linespacing=1.35,
        )


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def figure_blocks(
    city: Any,
    access: Any,
    *,
    rows: pd.DataFrame,
    category: str,
    measure: str,
    names: dict[str, str],
    sites: pd.DataFrame | None = None,
) -> list[Block]:
    """The "Karta" section of the report: the map figure with its alt text and caption.

    Empty when there are no area polygons. Parameters as :func:`map_figure`.
    """
    fig = map_figure(
        city, access, rows=rows, category=category, measure=measure, names=names, sites=sites
    )
    if fig is None:
        return []
    return [
        Block("h2", "Karta över resultatet"),
        Block("img", text=fig.alt, filename="report_map.png", png=fig.png, caption=fig.caption),
    ]
