"""The national tables: every finished municipality's tables gathered into GeoParquet.

``national/kommuner.parquet``
    municipality × category × profile × threshold (``threshold_min`` or ``threshold_m``) ×
    group: each run's whole-municipality rows (``area_id`` = ``__total__`` in
    ``tables/areas.csv``: population, covered, covered share, mean/median/p90 minutes,
    Gini of minutes), with ``kommun_kod``, ``kommun_namn`` and the municipal polygon.
``national/omraden.parquet``
    area (DeSO or the given areas) × category × profile × threshold × group: the other rows
    of each run's ``tables/areas.csv``, with ``kommun_kod`` and the area polygon from the
    bundle.

Both are written atomically; rows keep the runs' column names and units.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from proximity._io import atomic_path
from proximity.sources.city import TOTAL_AREA_ID

MUNICIPALITY_TABLE = "kommuner.parquet"
AREA_TABLE = "omraden.parquet"


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"area_id": str, "worst_area_id": str, "best_area_id": str})


def _areas_csv(folder: Path) -> pd.DataFrame:
    return _read_csv(Path(folder) / "run" / "tables" / "areas.csv")


def municipality_rows(folder: Path, code: str, name: str) -> pd.DataFrame:
    """One municipality's whole-municipality rows, with its code and name first."""
    t = _areas_csv(folder)
    t = t[t["area_id"] == TOTAL_AREA_ID].drop(columns=["area_id", "area_name"])
    t.insert(0, "kommun_namn", name)
    t.insert(0, "kommun_kod", code)
    return t.reset_index(drop=True)


def area_rows(folder: Path, code: str) -> gpd.GeoDataFrame:
    """One municipality's area rows with the area polygons of its bundle."""
    t = _areas_csv(folder)
    t = t[t["area_id"] != TOTAL_AREA_ID]
    t.insert(0, "kommun_kod", code)
    polys = gpd.read_parquet(Path(folder) / "bundle" / "areas.parquet")[["area_id", "geometry"]]
    polys["area_id"] = polys["area_id"].astype(str)
    g = t.merge(polys, on="area_id", how="left")
    return gpd.GeoDataFrame(g, geometry="geometry", crs=polys.crs)


def _write(frame: gpd.GeoDataFrame, target: Path) -> Path:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)
    return target


def gather(
    folders: Mapping[str, Path], munis: gpd.GeoDataFrame, out: Path
) -> dict[str, gpd.GeoDataFrame]:
    """Write the national tables of the finished municipalities ``folders`` into ``out``.

    Parameters
    ----------
    folders : mapping
        Municipality code → its finished folder.
    munis : GeoDataFrame
        The municipality table (``kommun_kod``, ``kommun_namn``, polygons).
    out : Path
        The ``national/`` folder.

    Returns
    -------
    dict
        ``"kommuner"`` and ``"omraden"`` frames (empty when nothing finished).
    """
    out.mkdir(parents=True, exist_ok=True)
    names = dict(zip(munis["kommun_kod"], munis["kommun_namn"], strict=True))
    codes = sorted(folders)
    if not codes:
        return dict(kommuner=gpd.GeoDataFrame(), omraden=gpd.GeoDataFrame())
    m = pd.concat([municipality_rows(folders[c], c, names[c]) for c in codes], ignore_index=True)
    shapes = munis[["kommun_kod", "geometry"]]
    kommuner = gpd.GeoDataFrame(m.merge(shapes, on="kommun_kod"), geometry="geometry")
    kommuner = kommuner.set_crs(munis.crs, allow_override=True)
    omraden = pd.concat([area_rows(folders[c], c) for c in codes], ignore_index=True)
    omraden = gpd.GeoDataFrame(omraden, geometry="geometry", crs=kommuner.crs)
    _write(kommuner, out / MUNICIPALITY_TABLE)
    _write(omraden, out / AREA_TABLE)
    return dict(kommuner=kommuner, omraden=omraden)
