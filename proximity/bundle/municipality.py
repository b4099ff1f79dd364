"""Swedish municipalities by name or 4-digit code, from ``data/sweden/kommuner.gpkg``.

The table is SCB's Kommun- och länsindelning 2025 (simplified polygons, EPSG:3006), copied
with its source into ``data/sweden/`` (see the README there). A test or a user may pass another
table with the same two columns (``kommun_kod``, ``kommun_namn``) and polygons.
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd

from proximity.errors import ParameterError

#: The municipality table shipped with the repository.
KOMMUNER_GPKG = Path(__file__).resolve().parents[2] / "data" / "sweden" / "kommuner.gpkg"
KOMMUNER_SOURCE = (
    "SCB Kommun- och länsindelning 2025 (CC0), simplified polygons, via "
    "globalfunlearning/gothenburg_maps @ d0d851b4 (MIT): data/sweden/kommuner.gpkg"
)


@dataclass(frozen=True)
class Municipality:
    """One municipality: code, name, polygon (EPSG:3006) and where the row came from."""

    code: str
    name: str
    geometry: Any
    crs: str
    source: str
    table: Path


def _fold(text: str) -> str:
    """Lower case without diacritics and the suffix " kommun" (for matching names)."""
    t = unicodedata.normalize("NFKD", str(text).strip().lower())
    t = "".join(c for c in t if not unicodedata.combining(c))
    return t.removesuffix(" kommun")


def read_table(table: str | os.PathLike[str] | None = None) -> gpd.GeoDataFrame:
    """The municipality table (default :data:`KOMMUNER_GPKG`), codes as 4-digit text.

    Parameters
    ----------
    table : path-like, optional
        A GeoPackage/GeoJSON with ``kommun_kod``, ``kommun_namn`` and polygons.

    Returns
    -------
    GeoDataFrame
    """
    g = gpd.read_file(Path(table) if table is not None else KOMMUNER_GPKG)
    g["kommun_kod"] = g["kommun_kod"].astype(str).str.zfill(4)
    return g


def resolve_municipality(
    query: str, *, table: str | os.PathLike[str] | None = None
) -> Municipality:
    """The municipality named or numbered by ``query`` ("Gävle", "gavle", "2180").

    Parameters
    ----------
    query : str
        A 4-digit code or a name (case, diacritics and " kommun" ignored).
    table : path-like, optional
        Another municipality table (see :func:`read_table`).

    Returns
    -------
    Municipality

    Raises
    ------
    ParameterError
        No municipality matches; the message names the closest names.
    """
    g = read_table(table)
    q = str(query).strip()
    if q.isdigit():
        hit = g[g["kommun_kod"] == q.zfill(4)]
    else:  # "Helsingborgs kommun" is Helsingborg, "Borås kommun" is Borås
        folded = g["kommun_namn"].map(_fold)
        hit = g[(folded == _fold(q)) | (folded + "s" == _fold(q))]
    if hit.empty:
        names = list(g["kommun_namn"].astype(str))
        close = difflib.get_close_matches(_fold(q), [_fold(n) for n in names], n=3, cutoff=0.6)
        sug = [n for n in names if _fold(n) in close]
        raise ParameterError(
            f"No Swedish municipality {query!r}."
            + (f" Did you mean {', '.join(repr(s) for s in sug)}?" if sug else ""),
            file=Path(table) if table is not None else KOMMUNER_GPKG,
            fix="Give a municipality name (e.g. Gävle) or its 4-digit code (e.g. 2180).",
        )
    row = hit.iloc[0]
    src = str(row["kalla"]) if "kalla" in hit.columns else f"table {Path(str(table)).name}"
    return Municipality(
        code=str(row["kommun_kod"]),
        name=str(row["kommun_namn"]),
        geometry=row.geometry,
        crs=str(hit.crs),
        source=src if table is not None else KOMMUNER_SOURCE,
        table=Path(table) if table is not None else KOMMUNER_GPKG,
    )


#: SCB's population per municipality on 2025-01-01, by code (``data/sweden/``, see its README).
POPULATION_2025_CSV = KOMMUNER_GPKG.with_name("population_kommun_2025.csv")
#: A bundle whose population differs from SCB's 2025 figure by more than this share is warned.
POPULATION_WARN_SHARE = 0.05


def scb_population_2025(code: str) -> int | None:
    """SCB's population of municipality ``code`` on 2025-01-01, or None when not listed."""
    import pandas as pd

    if not POPULATION_2025_CSV.exists():
        return None
    t = pd.read_csv(POPULATION_2025_CSV, dtype={"kommun_kod": str})
    hit = t.loc[t["kommun_kod"] == str(code).zfill(4), "population_2025_01_01"]
    return int(hit.iloc[0]) if len(hit) else None


def population_check(total: float, muni: Municipality) -> str | None:
    """A warning when ``total`` persons differ from SCB's 2025 figure by over 5 %, else None.

    Parameters
    ----------
    total : float
        The population the bundle holds (all its areas).
    muni : Municipality
        The municipality; its code is looked up in :data:`POPULATION_2025_CSV`.

    Returns
    -------
    str or None
        The warning (both figures and the difference in per cent), or None when they agree
        or the municipality is not listed (another table, a test municipality).
    """
    scb = scb_population_2025(muni.code)
    if not scb:
        return None
    diff = (total - scb) / scb
    if abs(diff) <= POPULATION_WARN_SHARE:
        return None
    return (
        f"The bundle holds {total:,.0f} persons, {abs(diff):.1%} "
        f"{'fewer' if diff < 0 else 'more'} than SCB's {scb:,} for {muni.name} on 2025-01-01: "
        "check that the population table and the areas cover the whole municipality "
        "(and which year the table is)."
    )
