"""The online sources of a bundle build (each replaceable by a local file).

- **Boundary**: the municipality's OSM administrative boundary, ``admin_level=7`` with
  ``ref:scb=<code>``, from Overpass (``out geom``).
- **OSM features**: buildings, services and non-profits in the boundary's bounding box, one
  Overpass query built from the tag mapping (:func:`overpass_query`).
- **DeSO polygons**: SCB's WFS, ``stat:DeSO_2025`` as a GeoPackage (:data:`WFS_URL`), kept
  for the municipality (``desokod`` starting with its code).
- **Population**: SCB's PxWebApi 2.0 (:data:`PXWEB2`), table TAB6574 (``ContentsCode``
  ``000007Y7``, 5-year bands up to ``80-``, sex 1 and 2, the latest year) as json-stat2, the
  query split so that none asks for more than :data:`MAX_CELLS` cells; region codes lose their
  ``_DeSO2025`` suffix to join the WFS ``desokod``. PxWeb v1 (:data:`PXWEB1`, table
  ``BE/BE0101/BE0101Y/FolkmDesoAldKon``) is the fallback when v2 fails.

Requests are cached, retried and recorded by :class:`proximity.bundle.fetch.Fetcher`; each
reply's record goes into the bundle's manifest.
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.ops import polygonize, unary_union

from proximity import _http, config
from proximity.bundle.demand import PopulationTable, population_table
from proximity.bundle.fetch import Fetcher
from proximity.bundle.osm import features_frame
from proximity.bundle.tags import EXTRA_NONPROFIT_TAGS, EXTRA_TAGS
from proximity.bundle.work import Work
from proximity.errors import OfflineError, SchemaError
from proximity.sources.categories import NONPROFIT_TAGS, OSM_CATEGORY_TAGS
from proximity.sources.deso import DESO_CODE, parse_jsonstat2

# Request shapes checked against (2026-12-03):
# - Overpass: osmnx 2.1 (``settings.overpass_url`` + "/interpreter", ``[out:json][timeout:N]``);
#   osmnx POSTs the query as form data, the Overpass API also takes it as ``GET ?data=``.
# - SCB WFS: ``GetFeature``, version 1.1.0, ``TYPENAMES=stat:DeSO_2025`` / ``stat:RegSO_2025``,
#   ``outputFormat=geopackage`` (the URL of issue 12; layers with ``desokod`` / ``regsokod``,
#   ``regsonamn``, ``kommunkod``).
# - PxWebApi 2.0: the OpenAPI file of the reference implementation (PxTools/PxWebApi,
#   PxWeb/swagger_v2.json): ``GET /tables/{id}/metadata?lang=&outputFormat=`` and
#   ``POST /tables/{id}/data?lang=&outputFormat=`` with the body ``VariablesSelection``
#   ``{"selection": [{"variableCode": ..., "valueCodes": [...]}]}``; SCB's ``/config`` says
#   ``maxDataCells`` 150000 and 30 calls per 10 s (a 429 beyond, retried by the fetcher).
OVERPASS_URL = "https://overpass-api.de/api/interpreter"
WFS_URL = "https://geodata.scb.se/geoserver/stat/wfs"
PXWEB2 = "https://statistikdatabasen.scb.se/api/v2"
PXWEB1 = "https://api.scb.se/OV0104/v1/doris/sv/ssd/START"
TABLE2 = "TAB6574"
TABLE1 = "BE/BE0101/BE0101Y/FolkmDesoAldKon"
CONTENTS = "000007Y7"
#: SCB's limit on the cells of one PxWeb query.
MAX_CELLS = 150_000
OSM_LICENCE = "© OpenStreetMap contributors, ODbL 1.0"
SCB_LICENCE = "SCB, CC0"
#: Overpass's first retry pause in seconds (doubled at each retry: 15 ... 120 s, about 4 min in
#: all); osmnx waits 55 s after a 429 or 504 before it asks again.
OVERPASS_BACKOFF_S = 15.0
_OVERPASS = dict(
    service="Overpass (overpass-api.de)",
    licence=OSM_LICENCE,
    timeout_s=300.0,
    backoff_s=OVERPASS_BACKOFF_S,
)
_SCB = dict(service="SCB (geodata.scb.se / statistikdatabasen.scb.se)", licence=SCB_LICENCE)


def _fetcher() -> Fetcher:
    return Fetcher(cache=config.cache_dir() / "http")


def _record(work: Work, fetcher: Fetcher) -> None:
    """Add the fetcher's records to the work folder's ``online_sources.json`` (by URL)."""
    p = work.folder / "online_sources.json"
    old = json.loads(p.read_text(encoding="utf-8")) if p.exists() else []
    by_url = {r["url"]: r for r in [*old, *fetcher.records]}
    p.write_text(json.dumps(list(by_url.values()), indent=2, ensure_ascii=False), encoding="utf-8")


# ------------------------------------------------------------------------------- Overpass
def overpass_query(bbox: tuple[float, float, float, float]) -> str:
    """The Overpass QL of every feature the mapping uses, in a lon/lat ``bbox``."""
    w, s, e, n = bbox
    sel = {'nwr["building"]', 'nwr["office"]'}
    for key, value, _ in (*OSM_CATEGORY_TAGS, *EXTRA_TAGS, *NONPROFIT_TAGS, *EXTRA_NONPROFIT_TAGS):
        sel.add(f'nwr["{key}"]' if value == "*" else f'nwr["{key}"="{value}"]')
    body = "".join(f"{q};" for q in sorted(sel))
    return f"[out:json][timeout:300][bbox:{s},{w},{n},{e}];({body});out geom;"


def _ring(geometry: list[dict[str, float]]) -> list[tuple[float, float]]:
    return [(p["lon"], p["lat"]) for p in geometry if p]


def _element_geometry(el: dict[str, Any]) -> Any | None:
    """A node's point, a closed way's polygon, a multipolygon relation's polygons."""
    t = el.get("type")
    if t == "node":
        return shapely.Point(el["lon"], el["lat"])
    if t == "way":
        xy = _ring(el.get("geometry", []))
        if len(xy) >= 4 and xy[0] == xy[-1]:
            return shapely.make_valid(shapely.Polygon(xy))
        return None
    if t == "relation":
        lines = {"outer": [], "inner": []}
        for m in el.get("members", []):
            if m.get("type") == "way" and m.get("geometry"):
                lines["inner" if m.get("role") == "inner" else "outer"].append(
                    shapely.LineString(_ring(m["geometry"]))
                )
        outer = unary_union(list(polygonize(lines["outer"])))
        if outer.is_empty:
            return None
        inner = unary_union(list(polygonize(lines["inner"])))
        return shapely.make_valid(outer.difference(inner) if not inner.is_empty else outer)
    return None


def elements_to_features(doc: dict[str, Any]) -> gpd.GeoDataFrame:
    """Overpass ``out geom`` JSON as feature rows (see :mod:`proximity.bundle.osm`)."""
    rows = []
    for el in doc.get("elements", []):
        tags = el.get("tags") or {}
        if not tags:
            continue
        geom = _element_geometry(el)
        if geom is None or geom.is_empty:
            continue
        rows.append(dict(osm_type=el["type"], osm_id=int(el["id"]), tags=tags, geometry=geom))
    return features_frame(rows)


def overpass_features(boundary: Any, work: Work) -> gpd.GeoDataFrame:
    """Every mapped feature in the boundary's (EPSG:3006) bounding box, from Overpass."""
    bbox = gpd.GeoSeries([boundary], crs="EPSG:3006").to_crs("EPSG:4326").total_bounds
    f = _fetcher()
    body = f.get(
        OVERPASS_URL, params={"data": overpass_query(tuple(bbox))}, name="osm", **_OVERPASS
    )
    _record(work, f)
    return elements_to_features(json.loads(body))


def osm_boundary(muni: Any, work: Work) -> tuple[Any, str]:
    """The municipality's OSM boundary (admin_level 7, ``ref:scb``) in EPSG:3006."""
    q = (
        '[out:json][timeout:120];relation["boundary"="administrative"]["admin_level"="7"]'
        f'["ref:scb"="{muni.code}"];out geom;'
    )
    f = _fetcher()
    doc = json.loads(f.get(OVERPASS_URL, params={"data": q}, name="boundary", **_OVERPASS))
    _record(work, f)
    feats = elements_to_features(doc)
    if feats.empty:
        raise SchemaError(
            f"Overpass has no admin_level 7 boundary with ref:scb={muni.code}.",
            fix="Give the boundary as a file: --boundary FILE.",
        )
    geom = feats.to_crs("EPSG:3006").geometry.union_all()
    return geom, f"OSM relation {feats['osm_id'].iloc[0]} (admin_level 7), {OSM_LICENCE}"


# ------------------------------------------------------------------------------- WFS
#: SCB's WFS layers: option value -> (typename, id column).
WFS_LAYERS = {"deso": ("stat:DeSO_2025", "desokod"), "regso": ("stat:RegSO_2025", "regsokod")}


def deso_areas(muni: Any, work: Work, *, boundary: Any) -> gpd.GeoDataFrame:
    """The municipality's DeSO 2025 polygons from SCB's WFS, clipped to ``boundary``."""
    return wfs_areas(muni, work, boundary=boundary, layer="deso")


def wfs_areas(muni: Any, work: Work, *, boundary: Any, layer: str) -> gpd.GeoDataFrame:
    """The municipality's DeSO or RegSO 2025 polygons (:data:`WFS_LAYERS`) from SCB's WFS.

    The whole layer is downloaded once (GeoPackage, cached) and the municipality's polygons
    kept by the first four digits of their code; RegSO polygons are named by ``regsonamn``.
    """
    typename, idc = WFS_LAYERS[layer]
    f = _fetcher()
    params = dict(
        service="WFS",
        REQUEST="GetFeature",
        version="1.1.0",
        TYPENAMES=typename,
        outputFormat="geopackage",
    )
    body = f.get(WFS_URL, params=params, name=layer, **_SCB)
    _record(work, f)
    gpkg = work.folder / f"{layer}_2025.gpkg"
    gpkg.write_bytes(body)
    g = gpd.read_file(gpkg)
    if idc not in g.columns:
        raise SchemaError(f"SCB's {typename} has no {idc} column ({', '.join(g.columns)}).")
    g = g.loc[g[idc].astype(str).str[:4] == muni.code].to_crs("EPSG:3006")
    name = g["regsonamn"] if "regsonamn" in g.columns else g[idc]
    out = gpd.GeoDataFrame(
        dict(
            area_id=g[idc].astype(str).to_numpy(),
            name=name.astype(str).to_numpy(),
            boundary_quality=f"SCB {typename} (WFS), clipped to the municipality",
            source=f"SCB WFS {typename} ({SCB_LICENCE})",
        ),
        geometry=g.geometry.intersection(boundary).to_numpy(),
        crs="EPSG:3006",
    )
    return out.loc[~out.geometry.is_empty].sort_values("area_id").reset_index(drop=True)


# ------------------------------------------------------------------------------- PxWeb
def deso_population(muni: Any, work: Work, *, ids: list[str]) -> PopulationTable:
    """Population per DeSO by 5-year band and sex (v2, else v1), as a table."""

    def make() -> pd.DataFrame:
        f = _fetcher()
        try:
            long, year = _pxweb_v2(f, muni.code, say=work.say)
        except (OfflineError, _http.HTTPStatusError, SchemaError, KeyError) as exc:
            work.say(f"population: PxWebApi 2.0 failed ({exc}); trying v1")
            long, year = _pxweb_v1(f, muni.code, say=work.say)
        _record(work, f)
        return _wide(long, year)

    wide = work.table("population", make)
    return population_table(
        wide, id_col="desokod", source=f"SCB {TABLE2} (DeSO, 5-year bands, sex), {SCB_LICENCE}"
    )


def _chunks(regions: list[str], per_region: int, max_cells: int | None = None) -> list[list[str]]:
    """Regions in groups whose queries stay within ``max_cells`` cells."""
    n = max(1, (max_cells or MAX_CELLS) // max(1, per_region))
    return [regions[i : i + n] for i in range(0, len(regions), n)]


def _dimension_values(meta: dict[str, Any], dim: str) -> list[str]:
    idx = meta["dimension"][dim]["category"]["index"]
    return sorted(idx, key=lambda k: idx[k]) if isinstance(idx, dict) else list(idx)


def _selection(meta_values: dict[str, list[str]], code: str) -> tuple[list[str], dict[str, Any]]:
    regions = [r for r in meta_values["Region"] if (m := DESO_CODE.match(r)) and m.group(1) == code]
    ages = [a for a in meta_values["Alder"] if a.lower() not in ("totalt", "tot", "total")]
    fixed = dict(Alder=ages, Kon=["1", "2"], ContentsCode=[CONTENTS], Tid=meta_values["Tid"][-1:])
    if not regions:
        raise SchemaError(f"No DeSO of municipality {code} in SCB's table.")
    return regions, fixed


#: Years tried, newest first, when the newest holds no values for the DeSO 2025 codes (a
#: table may publish a year before it back-fills the new area codes).
YEARS_TRIED = 3


def _with_data(query: Any, years: list[str], say: Any = None) -> tuple[pd.DataFrame, str]:
    """The long rows of the newest of ``years`` whose values are not all missing or 0."""
    for year in list(reversed(years))[:YEARS_TRIED]:
        long = query(year)
        if pd.to_numeric(long["value"], errors="coerce").fillna(0).sum() > 0:
            return long, year
        if say is not None:
            say(f"population: SCB's table has no values for {year}; trying the year before")
    raise SchemaError(
        f"SCB's table {TABLE2} has no population values for these DeSO in "
        f"{', '.join(list(reversed(years))[:YEARS_TRIED])}.",
        fix="Give the population as a file: --population FILE.",
    )


def _pxweb_v2(
    f: Fetcher, code: str, max_cells: int | None = None, say: Any = None
) -> tuple[pd.DataFrame, str]:
    """Long rows (Region, Alder, Kon, ContentsCode, Tid, value) and the year, from v2."""
    meta_body = f.get(
        f"{PXWEB2}/tables/{TABLE2}/metadata",
        # json-stat2 asked for explicitly: the default metadata format is per installation
        params=dict(lang="sv", outputFormat="json-stat2"),
        name="population metadata",
        **_SCB,
    )
    meta = json.loads(meta_body)
    values = {d: _dimension_values(meta, d) for d in ("Region", "Alder", "Kon", "Tid")}
    regions, fixed = _selection(values, code)
    per_region = len(fixed["Alder"]) * 2

    def query(year: str) -> pd.DataFrame:
        parts = []
        for chunk in _progress(_chunks(regions, per_region, max_cells), "SCB population"):
            sel = [dict(variableCode="Region", valueCodes=chunk)] + [
                dict(variableCode=k, valueCodes=v) for k, v in {**fixed, "Tid": [year]}.items()
            ]
            doc = f.post_json(
                f"{PXWEB2}/tables/{TABLE2}/data?lang=sv&outputFormat=json-stat2",
                dict(selection=sel),
                name="population",
                **_SCB,
            )
            parts.append(parse_jsonstat2(doc))
        return pd.concat(parts, ignore_index=True)

    return _with_data(query, values["Tid"], say)


def _pxweb_v1(
    f: Fetcher, code: str, max_cells: int | None = None, say: Any = None
) -> tuple[pd.DataFrame, str]:
    """The same rows from PxWeb v1 (the fallback)."""
    url = f"{PXWEB1}/{TABLE1}"
    meta = json.loads(f.get(url, name="population metadata (v1)", **_SCB))
    values = {v["code"]: [str(x) for x in v["values"]] for v in meta["variables"]}
    regions, fixed = _selection(values, code)

    def query(year: str) -> pd.DataFrame:
        parts = []
        chunks = _chunks(regions, len(fixed["Alder"]) * 2, max_cells)
        for chunk in _progress(chunks, "SCB population"):
            q = [dict(code="Region", selection=dict(filter="item", values=chunk))] + [
                dict(code=k, selection=dict(filter="item", values=v))
                for k, v in {**fixed, "Tid": [year]}.items()
            ]
            doc = f.post_json(
                url,
                dict(query=q, response=dict(format="json-stat2")),
                name="population (v1)",
                **_SCB,
            )
            parts.append(parse_jsonstat2(doc))
        return pd.concat(parts, ignore_index=True)

    return _with_data(query, values["Tid"], say)


def _band_name(code: str) -> str:
    """SCB's age codes as band columns: ``-4`` -> ``0-4``, ``80-`` stays."""
    c = str(code).strip()
    return "0" + c if c.startswith("-") else c


def _wide(long: pd.DataFrame, year: str) -> pd.DataFrame:
    """One row per DeSO: population, 5-year bands, men, women, year."""
    long = long.assign(
        value=pd.to_numeric(long["value"], errors="coerce").fillna(0.0),
        desokod=long["Region"].astype(str).str.replace(r"_DeSO\d{4}$", "", regex=True),
        band=long["Alder"].map(_band_name),
    )
    bands = long.pivot_table(index="desokod", columns="band", values="value", aggfunc="sum")
    sex = long.pivot_table(index="desokod", columns="Kon", values="value", aggfunc="sum")
    out = pd.DataFrame(index=bands.index)
    out["population"] = bands.sum(axis=1)
    out = out.join(bands).join(sex.rename(columns={"1": "men", "2": "women"})[["men", "women"]])
    out["year"] = int(year)
    return out.reset_index()


def _progress(items: list[Any], desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, disable=not config.progress_enabled() or len(items) < 2)
