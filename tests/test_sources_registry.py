"""proximity.sources.registry: finding a city by name, folder or TOML path; the cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from _sources import own_city

from proximity.errors import InputFileError, ParameterError, SchemaError
from proximity.sources import load_city
from proximity.sources.registry import builtin_cities, city_config_path, data_dir


def test_load_city_unknown_name() -> None:
    with pytest.raises(ParameterError) as e:
        load_city("helsingborgg")
    assert "Did you mean 'helsingborg'?" in str(e.value)


def test_builtin_cities_and_data_dir() -> None:
    assert {"helsingborg", "helsinki-demo"} <= set(builtin_cities())
    assert city_config_path("helsingborg") == data_dir() / "helsingborg" / "city.toml"


def test_city_config_path_folder_and_file(tmp_path: Path) -> None:
    toml = own_city(tmp_path)
    assert city_config_path(tmp_path) == toml
    assert city_config_path(toml) == toml
    with pytest.raises(InputFileError) as e:
        city_config_path(tmp_path / "nowhere" / "city.toml")
    assert e.value.fix


def test_unknown_builder(tmp_path: Path) -> None:
    toml = own_city(tmp_path)
    toml.write_text('builder = "shapefile"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SchemaError, match="Unknown builder 'shapefile'"):
        load_city(toml, cache=False)


def test_cache_returns_copies(tmp_path: Path) -> None:
    toml = own_city(tmp_path)
    a = load_city(toml)
    a.demand.loc[:, "population"] = 0.0
    b = load_city(toml)
    assert b.total_population == 49 and a is not b
