"""Candidate builders (proximity.siting.candidates): grid, file, places, combine."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _siting_city import CRS, X0, Y0, grid_network, synthetic_city

from proximity.errors import InputFileError, ParameterError, SchemaError
from proximity.network import WalkNetwork
from proximity.siting import candidates as cands
from proximity.siting import site
from proximity.sources.city import City


@pytest.fixture(scope="module")
def city() -> City:
    return synthetic_city()


@pytest.fixture(scope="module")
def net() -> WalkNetwork:
    return grid_network()


def test_grid_candidates(city: City, net: WalkNetwork) -> None:
    g = cands.from_grid(city, 500, network=net, max_snap_m=60)
    assert len(g) > 0 and g["candidate_id"].is_unique
    assert g["candidate_id"].str.startswith("grid500:").all()
    # snapped onto the network: every candidate lies on a grid street
    gx = (g.geometry.x - X0) % 100
    gy = (g.geometry.y - Y0) % 100
    assert ((np.minimum(gx, 100 - gx) < 1e-6) | (np.minimum(gy, 100 - gy) < 1e-6)).all()
    g2 = cands.from_grid(city, 500)
    assert set(g["candidate_id"]) <= set(g2["candidate_id"])  # stable ids
    g2 = cands.assign_areas(g2, city.areas)
    assert set(g2["area_id"]) <= {"W", "E"}
    r = site(city, net, k=3, candidates=g, robustness_profiles=None)
    assert all(c.startswith("grid500:") for c in r.chosen)
    with pytest.raises(ParameterError):
        cands.from_grid(city, 0)


def test_file_candidates(city: City, tmp_path) -> None:
    p = tmp_path / "c.csv"
    pd.DataFrame(
        {
            "id": ["A", "B"],
            "name": ["Skola", "Köpcentrum"],
            "x": [X0 + 100, X0 + 1900],
            "y": [Y0 + 100, Y0 + 1900],
        }
    ).to_csv(p, index=False)
    c = cands.assign_areas(cands.from_file(p, CRS), city.areas)
    assert list(c["candidate_id"]) == ["A", "B"] and list(c["area_id"]) == ["W", "E"]
    assert (c["source"] == "file:c.csv").all()
    with pytest.raises(InputFileError):
        cands.from_file(tmp_path / "missing.csv", CRS)
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"a": [1]}).to_csv(bad, index=False)
    with pytest.raises(SchemaError, match="x, y"):
        cands.from_file(bad, CRS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = site(city, None, k=1, candidates=p, robustness_profiles=None)
    assert r.chosen[0] in {"A", "B"}


def test_combine_and_places(city: City) -> None:
    places = gpd.GeoDataFrame(
        {"osmid": [1, 2], "name": ["Skolan", None]},
        geometry=[shapely.box(X0, Y0, X0 + 50, Y0 + 50), shapely.Point(X0 + 1500, Y0 + 10)],
        crs=CRS,
    )
    p = cands.from_places(places, id_col="osmid", source="osm", category="school")
    assert list(p["candidate_id"]) == ["osm:1", "osm:2"]
    assert (p.geometry.geom_type == "Point").all()
    s = cands.from_services(city, ["library"])
    both = cands.combine(s, p, s)
    assert both["candidate_id"].is_unique and len(both) == len(s) + len(p)
    with pytest.raises(ParameterError, match="Unknown candidate"):
        cands.from_services(city, ["casino"])
