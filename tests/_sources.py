"""Shared data and checks of the tests of proximity.sources (imported as ``_sources``)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

# a small study area in Helsingborg (EPSG:3006) and points in it
STUDY = box(355000, 6208000, 362000, 6217000)
CRS = "EPSG:3006"
#: A synthetic OSM file (nodes, ways, a building relation) in Helsingborg.
MINI = Path(__file__).parent / "fixtures" / "sources" / "mini.osm"


def pts_ll() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "service_id": ["s1", "s2", "s3"],
            "name": ["Bibliotek A", "Vårdcentral B", "Kontor C"],
            "category": ["library", "health_centre", "district_office"],
            "lat": [56.0500, 56.0400, 56.0272],
            "lon": [12.7000, 12.7100, 12.7081],
        }
    )


def assert_msg(exc: pytest.ExceptionInfo, path: Path, row: str | None = None) -> str:
    msg = str(exc.value)
    assert path.name in msg, msg
    assert "Fix:" in msg and exc.value.fix, msg
    if row is not None:
        assert "Row:" in msg and row in msg, msg
    return msg


def own_city(tmp_path: Path) -> Path:
    areas = gpd.GeoDataFrame(
        {"omr_kod": ["W", "E"], "omr_namn": ["Väster", "Öster"]},
        geometry=[box(355000, 6208000, 358000, 6217000), box(358000, 6208000, 362000, 6217000)],
        crs=CRS,
    )
    areas.to_file(tmp_path / "omraden.gpkg")
    gpd.GeoDataFrame({"kind": ["study_area"]}, geometry=[STUDY], crs=CRS).to_file(
        tmp_path / "boundary.gpkg"
    )
    pd.DataFrame(
        {
            "adress_id": ["a1", "a2", "a3"],
            "invanare": [12, 30, 7],
            "x": [356000, 359000, 361000],
            "y": [6210000, 6211000, 6212000],
        }
    ).to_csv(tmp_path / "befolkning.csv", index=False)
    pts_ll().assign(category=["bibliotek", "vårdcentral", "district_office"]).to_csv(
        tmp_path / "register.csv", index=False
    )
    toml = tmp_path / "city.toml"
    toml.write_text(
        'name = "Testkommun"\ncrs = "EPSG:3006"\n'
        '[boundary]\npath = "boundary.gpkg"\n'
        '[areas]\npath = "omraden.gpkg"\nid_col = "omr_kod"\nname_col = "omr_namn"\n'
        '[demand]\npath = "befolkning.csv"\nid_col = "adress_id"\npopulation_col = "invanare"\n'
        'crs = "EPSG:3006"\nyear = 2024\n'
        '[services]\npath = "register.csv"\n'
        '[services.category_map]\nbibliotek = "library"\n"vårdcentral" = "health_centre"\n',
        encoding="utf-8",
    )
    return toml
