"""The run's tables.

Canonical CSV formatting, per-area coverage with the Gini, categories, equity, siting.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from proximity._io import today_iso, write_text_atomic
from proximity.coverage import COUNT_COLUMNS
from proximity.equity import gini
from proximity.scenario._common import fmt_float
from proximity.scenario.model import Scenario
from proximity.sources.city import TOTAL_AREA_ID, total_area_label

if TYPE_CHECKING:
    import geopandas as gpd

    from proximity.coverage import Access
    from proximity.distance_method import DistanceMethod
    from proximity.siting import SitingResult
    from proximity.sources.city import City

__all__ = [
    "AREA_KEYS",
    "NO_DATA_STATUS",
    "NO_SERVICE_STATUS",
    "area_gini_table",
    "areas_table",
    "canonical_table",
    "categories_table",
    "equity_frame",
    "population_unit",
    "siting_tables",
    "total_area_label",
    "write_table",
]

#: The key columns of a per-area table (``areas.csv``, ``compare.csv``).
AREA_KEYS = ("category", "profile", "threshold_min", "group", "area_id")
#: ``categories.csv`` status of a category without any located service.
NO_SERVICE_STATUS = "no located service – no coverage computed"
#: ``categories.csv`` status when the city has no located service of any kind (and the
#: scenario names no category): every category computed, nobody covered.
NO_DATA_STATUS = "no service of any kind in the data – nobody covered"

_INT_COLUMNS = {
    *COUNT_COLUMNS,
    "rank",
    "k",
    "n_points",
    "population_a",
    "population_b",
    "covered_a",
    "covered_b",
    "delta_covered",
    "delta_population",
}


# ============================================================================ canonical CSV
def sort_key(s: pd.Series) -> pd.Series:
    """Sort key: the municipality total row (``TOTAL_AREA_ID``) after the areas."""
    if s.name == "area_id":
        return s.astype(str).map(lambda v: (v == TOTAL_AREA_ID, v))
    return s


def _float_texts(col: str, s: pd.Series) -> list[str]:
    vals = s.to_numpy(dtype=float)
    fin = vals[np.isfinite(vals)]
    if col in _INT_COLUMNS and fin.size and np.allclose(fin, np.round(fin), atol=1e-6):
        return [
            ("" if math.isnan(v) else fmt_float(v) if math.isinf(v) else str(round(v)))
            for v in vals
        ]
    return [fmt_float(v) for v in vals]


def _column_texts(col: str, s: pd.Series) -> pd.Series | list[str]:
    """One column as fixed-format strings."""
    if pd.api.types.is_bool_dtype(s):
        return s.map(lambda v: "true" if v else "false")
    if pd.api.types.is_integer_dtype(s):
        if not s.isna().any():
            return s.astype("int64").astype(str)
        return s.map(lambda v: "" if pd.isna(v) else str(int(v)))
    if pd.api.types.is_float_dtype(s):
        return _float_texts(col, s)
    return s.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))


def canonical_table(df: pd.DataFrame, sort_by: Sequence[str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with every value as a fixed-format string, rows sorted.

    Floats get at most 6 decimals (trailing zeros stripped), integral counts are written as
    integers, NaN as empty, infinities as ``inf``; rows are sorted by ``sort_by`` (default:
    the key-like leading string columns) so that re-runs give byte-identical files.

    Parameters
    ----------
    df
        Any table.
    sort_by
        Columns to sort the rows by (those present); the total row sorts last.

    Returns
    -------
    pandas.DataFrame
    """
    out = df.copy()
    if sort_by:
        keys = [c for c in sort_by if c in out.columns]
        if keys:
            out = out.sort_values(keys, kind="mergesort", key=sort_key).reset_index(drop=True)
    for col in out.columns:
        out[col] = _column_texts(col, out[col])
    return out


def write_table(
    df: pd.DataFrame, path: str | os.PathLike[str], sort_by: Sequence[str] | None = None
) -> Path:
    """Write ``df`` as a canonical CSV (see :func:`canonical_table`), atomically."""
    text = canonical_table(df, sort_by).to_csv(index=False, lineterminator="\n")
    return write_text_atomic(path, text)


def md_table(df: pd.DataFrame) -> str:
    """``df`` as a Markdown table (canonical values; numeric columns right-aligned)."""
    cols = list(df.columns)
    lines = [
        "| " + " | ".join(cols) + " |",
        "| "
        + " | ".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in cols)
        + " |",
    ]
    for row in canonical_table(df).itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


# ============================================================================ per-area tables
def area_gini_table(access: Access) -> pd.DataFrame:
    """Population-weighted Gini of walking minutes per area × category × profile.

    Residents with a finite walking time enter with their population as weight; unsnapped
    and unreachable residents (``inf``) are excluded from the Gini and counted in the
    coverage table instead. The municipality row has ``area_id = TOTAL_AREA_ID``.

    Parameters
    ----------
    access
        The coverage result.

    Returns
    -------
    pandas.DataFrame
        ``area_id, category, profile, gini_min`` (:func:`proximity.equity.gini`).
    """
    pts = access.points
    pts = pts[
        np.isfinite(pts["minutes"].to_numpy(dtype=float))
        & (pts["population"].to_numpy(dtype=float) > 0)
    ]
    rows = []
    for (cat, prof), g in pts.groupby(["category", "profile"], sort=True):
        groups = [
            (TOTAL_AREA_ID, g),
            *((str(a), ga) for a, ga in g.groupby("area_id", sort=True)),
        ]
        for area, ga in groups:
            rows.append(
                {
                    "area_id": area,
                    "category": cat,
                    "profile": str(prof),
                    "gini_min": float(
                        gini(ga["minutes"].to_numpy(float), ga["population"].to_numpy(float))
                    ),
                }
            )
    return pd.DataFrame(rows, columns=["area_id", "category", "profile", "gini_min"])


def population_unit(access: Access, city: City | None = None) -> str:
    """What the coverage counts measure: ``"persons"`` or ``"floor_area_m2 (proxy)"``.

    See :func:`proximity.maps.population_unit`.
    """
    from proximity.maps import population_unit as unit_of

    return unit_of(access, city)


def areas_table(
    access: Access, city: City | None = None, *, date: str | None = None
) -> pd.DataFrame:
    """The per-area coverage table with the Gini column, as written to ``areas.csv``.

    Provenance columns: ``network_hash`` (of the walking network, ``"none (crow-fly)"``
    without one; from ``Access.provenance``) and ``date`` (``date``, default the access
    result's date, else today: the run date, as in ``run.json``). With ``city``, the total
    row is named by :func:`total_area_label` (``"Hela studieområdet"`` when the city is not
    a municipality, e.g. the Helsinki demo's grid).

    ``population_unit`` says what ``population``, ``covered``, … count: ``"persons"``, or
    ``"floor_area_m2 (proxy)"`` when the demand is residential floor area (m²) used as a
    relative population proxy; shares are meaningful either way.

    With ``city``, a ``parent_area_id`` column names the area a split subarea came from
    (its own id otherwise), so that :func:`~proximity.scenario.compare_tables` can sum split
    areas back up.

    Parameters
    ----------
    access
        The coverage result.
    city
        The city it was computed for (after the interventions).
    date
        The run date (ISO).

    Returns
    -------
    pandas.DataFrame
    """
    areas = access.areas.copy()
    areas["area_id"] = areas["area_id"].astype(str)
    areas["profile"] = areas["profile"].astype(str)
    if "group" not in areas.columns:
        areas["group"] = "all"
    ginis = area_gini_table(access).assign(group="all")
    out = areas.merge(ginis, on=["area_id", "category", "profile", "group"], how="left")
    if "distance_method" not in out.columns:
        out["distance_method"] = str(access.distance_method)
    # what population/covered/... count: "persons" or "floor_area_m2 (proxy)" (Helsinki demo)
    out["population_unit"] = population_unit(access, city)
    prov = dict(access.provenance or {})
    out["network_hash"] = str(prov.get("network_hash", ""))
    out["date"] = str(date or prov.get("date") or today_iso())
    if city is not None and "area_name" in out.columns:
        out.loc[out["area_id"] == TOTAL_AREA_ID, "area_name"] = total_area_label(city)
    ca = getattr(city, "areas", None)
    if ca is not None and "parent_area_id" in ca.columns:
        parent = dict(
            zip(ca["area_id"].astype(str), ca["parent_area_id"].astype(str), strict=False)
        )
        out["parent_area_id"] = out["area_id"].map(lambda a: parent.get(a, a))
    return out


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    df = df.drop(columns=[c for c in ("geometry",) if c in df.columns])
    return df.map(lambda v: ";".join(map(str, v)) if isinstance(v, list | tuple) else v)


def siting_tables(
    result: SitingResult, method: DistanceMethod, *, population_unit: str = "persons"
) -> dict[str, pd.DataFrame]:
    """The ranked sites, their per-area impact and the per-area before/after, as tables.

    Labelled with the distance method and the population unit (``"persons"`` or
    ``"floor_area_m2 (proxy)"``: ``marginal_gain``, ``newly_covered``, ``population`` … are
    then m² of residential floor area; ``gain_unit`` on the sites table).
    """
    out: dict[str, pd.DataFrame] = {}
    sites = result.to_frame()
    if "rank" not in sites.columns:
        sites.insert(0, "rank", np.arange(1, len(sites) + 1))
    out["sites"] = _flat(sites)
    for attr, name in (("per_site_area", "sites_per_area"), ("per_area", "siting_areas")):
        df = getattr(result, attr, None)
        if df is not None and len(df):
            out[name] = _flat(df.copy())
    unit = str(result.population_unit or population_unit)
    for df in out.values():
        df["distance_method"] = method.label
        df["population_unit"] = unit
    if "gain_unit" not in out["sites"].columns:
        out["sites"]["gain_unit"] = f"{unit} × minutes" if result.model == "p_median" else unit
    return out


def _counts(df: pd.DataFrame | None, *, has: bool = True) -> pd.Series:
    if df is not None and len(df) and has:
        return df["category"].astype(str).value_counts()
    return pd.Series(dtype="int64")


def categories_table(
    city: City, scenario: Scenario | None = None, added_sites: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """One row per category: built in, then declared by the city or scenario (``categories.csv``).

    Columns: ``category, label_sv, n_located_services`` (after the interventions),
    ``n_unlocated_services`` (named in the sources but without a location,
    ``City.services_unlocated``: never routed), ``n_proposed_sites`` (chosen by the siting
    and added before the final coverage) and ``status``: ``"ok"``, ``"no located service –
    no coverage computed"``, :data:`NO_DATA_STATUS` (no service of any kind: every category
    computed, nobody covered) or ``"not in the scenario's categories"``.

    Parameters
    ----------
    city
        The city after the interventions.
    scenario
        The scenario (its ``categories``), or None.
    added_sites
        The chosen sites added as services (:class:`~proximity.scenario.RunResult`).

    Returns
    -------
    pandas.DataFrame
    """
    from proximity.scenario.analysis import no_service_at_all
    from proximity.sources.categories import category_label, known_categories

    svc = getattr(city, "services", None)
    located = (
        svc["category"].astype(str).value_counts() if svc is not None and len(svc) else pd.Series()
    )
    unl = getattr(city, "services_unlocated", None)
    unlocated = _counts(unl, has=unl is not None and "category" in unl.columns)
    proposed = _counts(added_sites)
    wanted = None if scenario is None or scenario.categories is None else set(scenario.categories)
    rows = []
    for cat in known_categories(city):
        n_loc = int(located.get(cat, 0))
        n_new = int(proposed.get(cat, 0))
        if wanted is not None and cat not in wanted and cat not in proposed.index:
            status = "not in the scenario's categories"
        elif n_loc + n_new > 0:
            status = "ok"
        elif no_service_at_all(scenario, city):
            status = NO_DATA_STATUS
        else:
            status = NO_SERVICE_STATUS
        rows.append(
            {
                "category": cat,
                "label_sv": category_label(cat, city),
                "n_located_services": n_loc,
                "n_unlocated_services": int(unlocated.get(cat, 0)),
                "n_proposed_sites": n_new,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def equity_frame(access: Access, city: City) -> pd.DataFrame:
    """Municipality-level equity measures (:func:`proximity.equity.equity_table`).

    Parameters
    ----------
    access
        The coverage result.
    city
        The city.

    Returns
    -------
    pandas.DataFrame
        With a ``distance_method`` column.
    """
    from proximity.equity import equity_table

    eq = equity_table(access, city)
    if "distance_method" not in eq.columns:
        eq["distance_method"] = str(access.distance_method)
    return eq
