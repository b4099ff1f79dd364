"""The Access result (proximity.coverage.access): atomic, byte-identical output files."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from _coverage_cases import (
    CRS,
    hand_access,
)

from proximity.coverage import (
    Access,
)


@pytest.fixture(scope="module")
def hand() -> Access:
    return hand_access()


def test_write_is_atomic_and_byte_identical(hand: Access, tmp_path) -> None:
    p1 = hand.write(tmp_path / "a")
    p2 = hand.write(tmp_path / "b")
    for key in p1:
        assert p1[key].read_bytes() == p2[key].read_bytes(), key
    areas = pd.read_csv(p1["areas_csv"])
    assert {"network_hash", "distance_method", "profile", "date"} <= set(areas.columns)
    import pyarrow.parquet as pq

    gdf = gpd.read_parquet(p1["points_parquet"])
    assert len(gdf) == len(hand.points) and gdf.crs == CRS
    assert b"proximity" in pq.read_schema(p1["points_parquet"]).metadata
    assert not list(tmp_path.glob("a/.*"))  # no temporary files left
