"""proximity.sources.files_city: a City from its own files (``builder = "files"``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _sources import assert_msg, own_city

from proximity.errors import InputFileError, SchemaError
from proximity.sources import load_city


def test_load_city_from_own_files(tmp_path: Path) -> None:
    c = load_city(own_city(tmp_path), cache=False)
    assert c.name == "Testkommun" and c.area_ids == ["W", "E"]
    assert c.demand["area_id"].tolist() == ["W", "E", "E"]
    assert c.total_population == 49
    assert set(c.categories) == {"library", "health_centre", "district_office"}
    assert c.network_source is None and c.subareas.empty and c.unlocated.empty
    assert "sha256" in c.provenance


def test_provenance_records_every_file(tmp_path: Path) -> None:
    c = load_city(own_city(tmp_path), cache=False)
    assert list(c.provenance["files"]) == ["boundary", "areas", "demand", "services"]
    assert set(c.provenance["sha256"]) == set(c.provenance["files"])
    assert c.provenance["config"] == str(tmp_path / "city.toml")
    assert c.services["area_id"].tolist() == ["W", "W", "W"]


def test_load_city_bad_file_in_toml(tmp_path: Path) -> None:
    toml = own_city(tmp_path)
    (tmp_path / "befolkning.csv").unlink()
    with pytest.raises(InputFileError) as e:
        load_city(toml, cache=False)
    assert_msg(e, tmp_path / "befolkning.csv")


def test_missing_crs_and_section(tmp_path: Path) -> None:
    toml = own_city(tmp_path)
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('crs = "EPSG:3006"\n[boundary]', "[boundary]", 1), "utf-8")
    with pytest.raises(SchemaError, match="no 'crs'") as e:
        load_city(toml, cache=False)
    assert_msg(e, toml)
    toml.write_text(text.replace("[demand]", "[demand_points]"), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"no \[demand\] section") as e:
        load_city(toml, cache=False)
    assert_msg(e, toml)


def test_boundary_filter_without_match(tmp_path: Path) -> None:
    toml = own_city(tmp_path)
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace(
            'path = "boundary.gpkg"\n', 'path = "boundary.gpkg"\nwhere = { kind = "x" }\n'
        ),
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match="no matching feature") as e:
        load_city(toml, cache=False)
    assert_msg(e, tmp_path / "boundary.gpkg")


def test_optional_tables_and_network(tmp_path: Path) -> None:
    toml = own_city(tmp_path)
    pd.DataFrame(
        {
            "area_id": ["W"],
            "population": [5],
            "population_year": [2024],
            "reason": ["no address"],
            "source": ["test"],
        }
    ).to_csv(tmp_path / "unlocated.csv", index=False)
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + '[unlocated]\npath = "unlocated.csv"\n'
        + '[network]\nkind = "pbf"\npath = "walk.osm.pbf"\n',
        encoding="utf-8",
    )
    c = load_city(toml, cache=False)
    assert c.total_population == 54 and "unlocated" in c.provenance["files"]
    assert c.network_source == {"kind": "pbf", "path": str(tmp_path / "walk.osm.pbf")}
    pd.read_csv(tmp_path / "unlocated.csv").assign(population=[-1]).to_csv(
        tmp_path / "unlocated.csv", index=False
    )
    with pytest.raises(SchemaError, match="negative population") as e:
        load_city(toml, cache=False)
    assert_msg(e, tmp_path / "unlocated.csv", row="data row 1")
