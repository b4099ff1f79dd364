"""Demand points of a bundle: each area's population shared out over its residential buildings.

The population table gives a total per *population area* (a DeSO, or the city's own area) and
optionally group columns (age bands, sex, anything numeric). Each area's total, and each of
its group columns, is shared out over the area's buildings in proportion to floor area
(dasymetric, :func:`proximity.sources.dasymetric.scale_to_totals`), using the best buildings
the area has:

1. buildings tagged residential (``building=apartments|house|residential|...``);
2. else untyped ``building=yes`` without a non-residential use (assumed residential);
3. else none: the whole population sits at the area's representative point, flagged in
   ``location_quality`` and ``population_method``.

Totals are conserved exactly (up to floating point): every area's population and groups
reappear in its points.

Age groups (:func:`age_groups`): from SCB's 5-year bands (``0-4`` ... ``80-``) the groups
0–19, 20–64, 65–79 and 80+ and, as sums, 65+ and 75+ (SCB's older group).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from proximity.errors import InputFileError, SchemaError
from proximity.sources.dasymetric import scale_to_totals

#: Age groups built from 5-year bands: column -> (lowest age, highest age; None = open).
AGE_GROUPS: dict[str, tuple[int, int | None]] = {
    "pop_0_19": (0, 19),
    "pop_20_64": (20, 64),
    "pop_65_79": (65, 79),
    "pop_80_plus": (80, None),
    "pop_65_plus": (65, None),
    "pop_75_plus": (75, None),
}
#: Id columns tried, in order, when the population table's id column is not named.
ID_COLUMNS = ("area_id", "desokod", "deso", "regsokod", "regso", "id")
_BAND = re.compile(r"^(?:age_|alder_|ålder_)?(\d{1,3})(?:\s*[-_]\s*(\d{1,3})?|\+|_plus)$")

TIER_TYPED = "dasymetric: area total x floor-area share (residential buildings)"
TIER_UNTYPED = "dasymetric: area total x floor-area share (untyped buildings, assumed homes)"
TIER_POINT = "area total at the area's representative point (no residential building)"


def band_of(column: str) -> tuple[int, int | None] | None:
    """``(low, high)`` of a 5-year band column (``"0-4"``, ``"age_80_"``, ``"80-"``, ``"80+"``)."""
    m = _BAND.match(str(column).strip().lower())
    if not m:
        return None
    lo = int(m.group(1))
    hi = m.group(2)
    return lo, (int(hi) if hi else None)


def age_groups(table: pd.DataFrame) -> pd.DataFrame:
    """The age groups of :data:`AGE_GROUPS` summed from the table's band columns.

    Parameters
    ----------
    table : DataFrame
        Rows with band columns (see :func:`band_of`); other columns are ignored.

    Returns
    -------
    DataFrame
        The group columns a complete set of bands allows (none when the bands do not cover
        every age from 0 up to an open band), indexed like ``table``.
    """
    bands = {c: band_of(c) for c in table.columns}
    bands = {c: b for c, b in bands.items() if b is not None}
    out = pd.DataFrame(index=table.index)
    if not bands or not any(hi is None for _, hi in bands.values()):
        return out
    edges = sorted(bands.values(), key=lambda b: b[0])
    for (_, hi), (lo_next, _) in itertools.pairwise(edges):
        if hi is None or hi + 1 != lo_next:
            return out
    if edges[0][0] != 0:
        return out
    values = table[list(bands)].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    for col, (lo, hi) in AGE_GROUPS.items():
        inside = [
            c
            for c, (blo, bhi) in bands.items()
            if blo >= lo and (hi is None or (bhi is not None and bhi <= hi))
        ]
        starts = {bands[c][0] for c in inside}
        if lo in starts or lo == 0:
            out[col] = values[inside].sum(axis=1)
    return out


@dataclass
class PopulationTable:
    """Population per area: ``totals`` (``population`` + group columns) indexed by area id."""

    totals: pd.DataFrame
    source: str
    year: int | None = None
    groups: list[str] = field(default_factory=list)


def read_population(path: str | Path, *, id_col: str | None = None) -> PopulationTable:
    """A local population table: area id, ``population``, optional group columns.

    5-year band columns are replaced by :data:`AGE_GROUPS`; other numeric columns (e.g.
    ``men``, ``women``) are kept as groups. A ``year`` column, if any, gives the year.

    Raises
    ------
    InputFileError, SchemaError
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError("Population file not found.", file=p, fix="Check --population.")
    df = pd.read_parquet(p) if p.suffix.lower() == ".parquet" else pd.read_csv(p, dtype=str)
    col = id_col or next((c for c in ID_COLUMNS if c in df.columns), None)
    if col is None or "population" not in df.columns:
        raise SchemaError(
            "The population table needs an area id column and a 'population' column.",
            file=p,
            fix=f"Name the id column one of {', '.join(ID_COLUMNS)} (or --population-id COL).",
        )
    return population_table(df, id_col=col, source=f"file {p.name}")


def population_table(df: pd.DataFrame, *, id_col: str, source: str) -> PopulationTable:
    """:class:`PopulationTable` of a frame with ``id_col``, ``population`` and groups."""
    year = None
    if "year" in df.columns and df["year"].notna().any():
        year = int(pd.to_numeric(df["year"]).max())
    ids = df[id_col].astype(str).str.strip()
    rest = df.drop(columns=[c for c in (id_col, "year") if c in df.columns])
    num = rest.apply(pd.to_numeric, errors="coerce")
    num = num.loc[:, num.notna().all()]
    if "population" not in num.columns or (num["population"] < 0).any():
        raise SchemaError(
            "Missing, non-numeric or negative population in the population table.",
            fix="Population counts must be numbers >= 0.",
        )
    ages = age_groups(num)
    keep = [c for c in num.columns if band_of(c) is None]
    totals = pd.concat([num[keep], ages], axis=1)
    totals.index = pd.Index(ids, name="pop_area_id")
    totals = totals.groupby(level=0).sum()
    groups = [c for c in totals.columns if c != "population"]
    return PopulationTable(totals, source, year, groups)


def _area_of_buildings(buildings: gpd.GeoDataFrame, pop_areas: gpd.GeoDataFrame) -> pd.Series:
    pts = buildings[["geometry"]].copy()
    pts["geometry"] = buildings.geometry.representative_point()
    j = gpd.sjoin(pts, pop_areas[["pop_area_id", "geometry"]], predicate="within", how="left")
    return j["pop_area_id"].groupby(level=0).first().reindex(buildings.index)


def share_out(
    pop_areas: gpd.GeoDataFrame,
    population: PopulationTable,
    buildings: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """Demand points: each area's totals over its buildings (see the module docstring).

    Parameters
    ----------
    pop_areas : GeoDataFrame
        Polygons with ``pop_area_id`` (the population table's ids), in a metric CRS.
    population : PopulationTable
        Totals per area.
    buildings : GeoDataFrame
        Output of :func:`proximity.bundle.osm.buildings_from` in the same CRS.

    Returns
    -------
    GeoDataFrame
        ``demand_id, pop_area_id, population, <groups>, population_year, location_quality,
        source, population_is_proxy, population_method, floor_area_m2, geometry``.
    """
    b = buildings.copy()
    b["pop_area_id"] = _area_of_buildings(b, pop_areas)
    b = b.loc[b["pop_area_id"].notna()]
    has_typed = set(b.loc[b["residential"].astype(bool), "pop_area_id"])
    tier = np.where(
        b["residential"].astype(bool),
        TIER_TYPED,
        np.where(b["pop_area_id"].isin(has_typed), "", TIER_UNTYPED),
    )
    b = b.assign(population_method=tier).loc[tier != ""]
    totals = population.totals.reindex(pop_areas["pop_area_id"].astype(str)).fillna(0.0)
    cols = ["population", *population.groups]
    shared = {
        c: scale_to_totals(
            b["floor_area_m2"].to_numpy(float), b["pop_area_id"].to_numpy(), totals[c]
        )
        for c in cols
    }
    pts = gpd.GeoDataFrame(
        dict(
            demand_id=b["building_id"].to_numpy(),
            pop_area_id=b["pop_area_id"].astype(str).to_numpy(),
            **{c: np.nan_to_num(v) for c, v in shared.items()},
            location_quality="building (OSM footprint, representative point)",
            source=b["source"].to_numpy(),
            population_method=b["population_method"].to_numpy(),
            floor_area_m2=b["floor_area_m2"].to_numpy(float),
        ),
        geometry=b.geometry.representative_point().to_numpy(),
        crs=buildings.crs,
    )
    fallback = _fallback_points(pop_areas, totals, set(pts["pop_area_id"]), cols)
    out = pd.concat([pts, fallback], ignore_index=True) if len(fallback) else pts
    out["population_year"] = population.year if population.year is not None else np.nan
    out["population_is_proxy"] = False
    out["source"] = out["source"] + f"; population: {population.source}"
    return gpd.GeoDataFrame(out, geometry="geometry", crs=buildings.crs)


def _fallback_points(
    pop_areas: gpd.GeoDataFrame, totals: pd.DataFrame, covered: set[str], cols: list[str]
) -> gpd.GeoDataFrame:
    """One point per populated area without buildings, at its representative point."""
    a = pop_areas.assign(pop_area_id=pop_areas["pop_area_id"].astype(str))
    a = a.loc[~a["pop_area_id"].isin(covered)]
    a = a.loc[totals.loc[a["pop_area_id"], "population"].to_numpy() > 0]
    vals = totals.loc[a["pop_area_id"], cols]
    return gpd.GeoDataFrame(
        dict(
            demand_id="area_point_" + a["pop_area_id"].to_numpy(dtype=object),
            pop_area_id=a["pop_area_id"].to_numpy(),
            **{c: vals[c].to_numpy(float) for c in cols},
            location_quality="area representative point (no residential building in the OSM data)",
            source="area polygon",
            population_method=TIER_POINT,
            floor_area_m2=0.0,
        ),
        geometry=a.geometry.representative_point().to_numpy(),
        crs=pop_areas.crs,
    )


def conservation(demand: pd.DataFrame, population: PopulationTable) -> pd.DataFrame:
    """Per area and column: table total minus demand total (should be ~0)."""
    cols = ["population", *population.groups]
    got = demand.groupby("pop_area_id")[cols].sum()
    return population.totals[cols].subtract(got.reindex(population.totals.index).fillna(0.0))
