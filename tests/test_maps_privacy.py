"""Residents without access are shown only as counts per square cell (proximity.maps.privacy).

The points below are hand-made (synthetic), in SWEREF 99 TM (EPSG:3006); the expected cell
sums are worked out by hand in the comments. The map test uses the synthetic city of
``tests/fixtures/maps/synthetic.py`` with its demand points moved off the 250 m grid.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from proximity.errors import ParameterError
from proximity.maps import make_map, render_html
from proximity.maps.privacy import check_privacy, resident_cells

CRS = "EPSG:3006"


def _points(rows):
    return gpd.GeoDataFrame(
        {"population": [r[2] for r in rows]},
        geometry=[Point(r[0], r[1]) for r in rows],
        crs=CRS,
    )


#: x, y (m), residents. Cells of 250 m anchored at (0, 0): column = floor(x / 250).
HAND = [
    (100.0, 100.0, 3),  # cell col 0, row 0
    (200.0, 240.0, 4),  # col 0, row 0 -> 3 + 4 = 7, shown
    (260.0, 10.0, 2),  # col 1, row 0
    (270.0, 20.0, 2),  # col 1, row 0 -> 4, under 5: hidden
    (251.0, 499.0, 6),  # col 1, row 1 -> 6, shown
    (-10.0, 10.0, 5),  # col -1, row 0 -> 5, shown (5 is not under 5)
    (600.0, 900.0, 1),  # col 2, row 3 -> 1, hidden
]


def test_cells_sum_residents_and_hide_small_counts():
    cells = resident_cells(_points(HAND), cell_m=250, min_count=5)
    got = {
        (int(c), int(r)): float(n)
        for c, r, n in zip(cells.col, cells.row, cells.residents, strict=True)
    }
    assert got == {(0, 0): 7.0, (1, 1): 6.0, (-1, 0): 5.0}
    assert cells.attrs["suppressed"] == 2
    assert str(cells.crs) == CRS
    bounds = {
        (int(c), int(r)): tuple(g.bounds)
        for c, r, g in zip(cells.col, cells.row, cells.geometry, strict=True)
    }
    assert bounds[(0, 0)] == (0.0, 0.0, 250.0, 250.0)
    assert bounds[(1, 1)] == (250.0, 250.0, 500.0, 500.0)
    assert bounds[(-1, 0)] == (-250.0, 0.0, 0.0, 250.0)


def test_larger_cells_and_higher_minimum_are_configurable():
    # 500 m cells: col 0 row 0 holds every point with 0 <= x, y < 500: 3+4+2+2+6 = 17;
    # (-10, 10) -> col -1: 5; (600, 900) -> col 1, row 1: 1 (hidden)
    cells = resident_cells(_points(HAND), cell_m=500, min_count=5)
    got = {
        (int(c), int(r)): float(n)
        for c, r, n in zip(cells.col, cells.row, cells.residents, strict=True)
    }
    assert got == {(0, 0): 17.0, (-1, 0): 5.0}
    # a minimum of 6 hides the cell of 5 too
    cells = resident_cells(_points(HAND), cell_m=250, min_count=6)
    assert sorted(cells.residents) == [6.0, 7.0] and cells.attrs["suppressed"] == 3


@pytest.mark.parametrize(
    ("cell", "low", "says"),
    [
        (249.9, 5, "at least 250 m"),
        (100, 5, "privacy_cell_m to 250 or more"),
        (math.nan, 5, "at least 250 m"),
        (250, 4, "fewer than 5"),
        (250, 0, "privacy_min_count to 5 or more"),
        ("wide", 5, "must be numbers"),
    ],
)
def test_small_cells_and_counts_are_refused(cell, low, says):
    with pytest.raises(ParameterError) as err:
        check_privacy(cell, low)
    assert says in str(err.value) + str(getattr(err.value, "fix", ""))
    with pytest.raises(ParameterError):
        resident_cells(_points(HAND), cell_m=cell, min_count=low)


def test_make_map_refuses_a_cell_under_250_m():
    import _maps_common as mc

    inputs = mc.map_inputs()
    with pytest.raises(ParameterError, match="250"):
        make_map(
            inputs["city"],
            inputs["access"],
            category="library",
            threshold_min=10,
            show_residents=True,
            privacy_cell_m=100,
        )


def _features(page: str, cls: str) -> list[dict]:
    out = []
    for m in re.finditer(r"var data = (\{.*?\});\n", page):
        data = json.loads(m.group(1))
        for f in data["features"]:
            if cls in str(f["properties"].get("_style", {}).get("className", "")):
                out.append(f)
    return out


def _vertices(geom: dict) -> list[tuple[float, float]]:
    coords = geom["coordinates"]
    while isinstance(coords[0][0], list):
        coords = [c for part in coords for c in part]
    return [tuple(c) for c in coords] if isinstance(coords[0], list) else [tuple(coords)]


def test_the_map_shows_cells_never_points():
    import _maps_common as mc

    inputs = mc.map_inputs()
    city = inputs["city"]
    moved = city.demand.assign(geometry=city.demand.translate(37.0, 61.0))  # off the grid
    city = dataclasses.replace(city, demand=moved)
    m = make_map(city, inputs["access"], category="library", threshold_min=10, show_residents=True)
    feats = _features(render_html(m), "px-resident")
    assert len(feats) == m.counts["residents"] > 0
    assert all(f["geometry"]["type"] == "Polygon" for f in feats)
    # the expected cells, brute force: the uncovered points (library, adult, > 10 min)
    pts = pd.DataFrame(inputs["access"].points)
    pts = pts[(pts.category == "library") & (pts.profile == "adult")]
    covered = set(pts.loc[pts.minutes <= 10, "demand_id"].astype(str))
    open_ = moved[~moved.demand_id.astype(str).isin(covered)]
    expected = {}
    for x0 in range(359_500, 364_500, 250):
        for y0 in range(6_212_500, 6_217_500, 250):
            inside = open_[
                (open_.geometry.x >= x0)
                & (open_.geometry.x < x0 + 250)
                & (open_.geometry.y >= y0)
                & (open_.geometry.y < y0 + 250)
            ]
            total = float(inside.population.sum())
            if total >= 5:
                expected[(x0, y0)] = total
    assert len(open_) > 0 and len(expected) == len(feats)
    # each drawn square is one expected cell (its corner, back in metres) with its count
    drawn = {}
    for f in feats:
        lon, lat = zip(*_vertices(f["geometry"]), strict=True)
        ring = gpd.GeoSeries.from_xy(lon, lat, crs=4326).to_crs(CRS)
        x0, y0 = round(ring.x.min()), round(ring.y.min())
        assert round(ring.x.max()) - x0 == 250 and round(ring.y.max()) - y0 == 250
        number = re.sub(r"\D", "", re.match(r"[\d\s]+", f["properties"]["_tooltip"]).group())
        drawn[(x0, y0)] = float(number)
    assert drawn == expected
    # no drawn coordinate equals (to 1e-6°, about 0.1 m) an input point
    inputs_ll = np.array([(p.x, p.y) for p in moved.to_crs(4326).geometry])
    for f in feats:
        for v in _vertices(f["geometry"]):
            assert np.abs(inputs_ll - np.array(v)).max(axis=1).min() > 1e-6, v
