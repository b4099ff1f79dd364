"""What a batch runs: the municipalities chosen, their order, input hashes and done-markers.

* **Order**: largest population first (so the longest tasks start first and the batch does
  not wait on a big municipality at the end); population from ``--population`` summed per
  municipality (an area id's first four characters are its municipality code, as in DeSO
  codes), else SCB's 2025 figure shipped in ``data/sweden/population_kommun_2025.csv``, else
  (a code in neither) the municipality's land area as the stand-in; the log says how many
  came from each.
* **Input hash**: sha256 over the scenario text and every bundle input (the municipality's
  extract, areas, DeSO and population files, the municipality table, the build options and
  the proximity version). A municipality is *done* when its folder's ``manifest.json``
  (:mod:`proximity._manifest`, kind ``"run"``) records that hash as its ``batch`` source and
  vouches for every file in the folder; a re-run skips it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from proximity import __version__
from proximity._io import file_sha256, text_sha256
from proximity._manifest import foreign_files, read_manifest
from proximity.errors import ParameterError

#: The manifest ``sources`` record name that carries a municipality's input hash.
BATCH_SOURCE = "batch"


@dataclass(frozen=True)
class Job:
    """One municipality's task: what to build and run, and where.

    Attributes
    ----------
    code, name
        Municipality code (4 digits) and name.
    folder
        ``<out>/municipalities/<code>/``: ``bundle/``, ``scenario.toml``, ``run/``.
    scenario
        The batch scenario TOML (its ``city`` is replaced by the bundle).
    osm
        The municipality's extract.
    files
        Other bundle inputs by option name (``areas``, ``population``, ``deso``,
        ``municipalities``), None when online.
    buffer_m
        The bundle's network buffer.
    population
        Population used for the order (or None: area used).
    input_hash
        See the module docstring.
    """

    code: str
    name: str
    folder: Path
    scenario: Path
    osm: Path
    files: Mapping[str, Path | None]
    buffer_m: float = 500.0
    population: float | None = None
    input_hash: str = ""


def select(table: gpd.GeoDataFrame, codes: str | Sequence[str]) -> gpd.GeoDataFrame:
    """The rows of ``table`` for ``codes`` (``"all"`` or 4-digit codes, comma-separated).

    Raises
    ------
    ParameterError
        Naming the unknown codes.
    """
    if isinstance(codes, str):
        if codes.strip().lower() == "all":
            return table.reset_index(drop=True)
        codes = [c for c in codes.replace(" ", "").split(",") if c]
    want = [str(c).zfill(4) for c in codes]
    unknown = [c for c in want if c not in set(table["kommun_kod"])]
    if unknown or not want:
        raise ParameterError(
            f"Unknown municipality code(s): {', '.join(unknown) or '(none given)'}.",
            fix="Give 4-digit codes from data/sweden/kommuner.gpkg, e.g. --municipalities "
            "0180,1480, or --municipalities all.",
        )
    return table[table["kommun_kod"].isin(want)].reset_index(drop=True)


def population_by_municipality(path: Path | None, codes: Sequence[str]) -> dict[str, float]:
    """Population per municipality code from a population table (ids starting with the code).

    Parameters
    ----------
    path : Path, optional
        CSV or Excel with an id column (``area_id``/``desokod``/``id``/first column) and
        ``population``.
    codes : sequence of str
        The municipality codes wanted.

    Returns
    -------
    dict
        Code → persons, only for codes with rows.
    """
    if path is None:
        return {}
    from proximity.bundle.demand import read_population

    totals = read_population(Path(path)).totals["population"]
    prefix = pd.Series(totals.index.astype(str).str[:4], index=totals.index)
    sums = totals.groupby(prefix.to_numpy()).sum()
    return {c: float(sums[c]) for c in codes if c in sums.index}


def scb_population(codes: Sequence[str]) -> dict[str, float]:
    """SCB's population on 2025-01-01 per municipality code (``data/sweden/``), listed codes only.

    Parameters
    ----------
    codes : sequence of str
        The municipality codes wanted.

    Returns
    -------
    dict
        Code → persons, for the codes in
        :data:`proximity.bundle.municipality.POPULATION_2025_CSV` (none when it is absent).
    """
    from proximity.bundle.municipality import POPULATION_2025_CSV

    if not POPULATION_2025_CSV.exists():
        return {}
    t = pd.read_csv(POPULATION_2025_CSV, dtype={"kommun_kod": str})
    known = dict(zip(t["kommun_kod"], t["population_2025_01_01"], strict=True))
    return {c: float(known[c]) for c in codes if c in known}


def order_population(
    path: Path | None, codes: Sequence[str]
) -> tuple[dict[str, float], dict[str, int]]:
    """The population the order uses: ``--population`` first, else SCB 2025 (module doc).

    Returns
    -------
    tuple
        Code → persons, and how many codes came from ``"--population"`` and ``"SCB 2025"``
        (the others are ordered by land area).
    """
    local = population_by_municipality(path, codes)
    scb = {c: v for c, v in scb_population(codes).items() if c not in local}
    return {**scb, **local}, {"--population": len(local), "SCB 2025": len(scb)}


def order_largest_first(
    munis: gpd.GeoDataFrame, population: Mapping[str, float]
) -> list[tuple[str, str, float | None]]:
    """``(code, name, population)`` sorted largest first, ties by code.

    Municipalities with a population come first (by population); the rest by land area
    (``area_km2``, else the polygon's area).
    """
    area = munis["area_km2"] if "area_km2" in munis else munis.geometry.area / 1e6
    rows = [
        (str(c), str(n), population.get(str(c)), float(a))
        for c, n, a in zip(munis["kommun_kod"], munis["kommun_namn"], area, strict=True)
    ]
    rows.sort(key=lambda r: (r[2] is None, -(r[2] or 0.0), -r[3], r[0]))
    return [(c, n, p) for c, n, p, _ in rows]


def input_hash(scenario: Path, osm: Path, files: Mapping[str, Any], **opts: Any) -> str:
    """The sha256 of everything a municipality's result depends on (module docstring)."""
    parts = dict(
        scenario=text_sha256(Path(scenario).read_text(encoding="utf-8")),
        osm=file_sha256(osm) if Path(osm).exists() else "missing",
        files={k: (file_sha256(v) if v is not None else None) for k, v in sorted(files.items())},
        opts=opts,
        proximity=__version__,
    )
    return text_sha256(json.dumps(parts, sort_keys=True, default=str))


def recorded_hash(folder: Path) -> str | None:
    """The input hash a finished municipality folder records (None: not finished)."""
    m = read_manifest(folder)
    if m is None:
        return None
    for s in m.sources:
        if s.get("name") == BATCH_SOURCE:
            return str(s.get("input_hash"))
    return None


def is_done(folder: Path, wanted_hash: str) -> bool:
    """Whether ``folder`` holds a finished result of the same inputs, unchanged since."""
    return recorded_hash(folder) == wanted_hash and not foreign_files(folder)
