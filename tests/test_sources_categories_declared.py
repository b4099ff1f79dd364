"""Open categories: ``[categories.<id>]`` in a city or scenario TOML (issue 12, part 3).

Built-in categories keep their labels; a declared id (``bus_stop``, ``grocery``) is valid for
the loaders, the scenario checks, compute_access and the labels of maps and reports; an
undeclared id is refused with a did-you-mean.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from _scenario import write
from _sources import own_city

from proximity import scenario as sc
from proximity.coverage import compute_access
from proximity.errors import ParameterError, ScenarioError, SchemaError
from proximity.maps.labels import category_label as map_label
from proximity.scenario.checks import check_against_city
from proximity.scenario.pipeline import _load_city
from proximity.scenario.tables import categories_table
from proximity.sources import category_label, known_categories, load_city
from proximity.sources.categories import Category, category_icon, parse_declared

BUS = '\n[categories.bus_stop]\nlabel_sv = "Busshållplats"\nicon = "bus"\n'


def _bus_city(tmp_path: Path, declare: str = BUS) -> Path:
    """The own-files test city whose register calls its district office a bus stop."""
    toml = own_city(tmp_path)
    reg = tmp_path / "register.csv"
    reg.write_text(reg.read_text(encoding="utf-8").replace("district_office", "hållplats"), "utf-8")
    text = toml.read_text(encoding="utf-8") + '"hållplats" = "bus_stop"\n' + declare
    toml.write_text(text, encoding="utf-8")
    return toml


def test_a_city_declares_a_category_with_label_and_icon(tmp_path):
    city = load_city(_bus_city(tmp_path), cache=False)
    assert city.declared_categories == {
        "bus_stop": Category(id="bus_stop", label_sv="Busshållplats", icon="bus")
    }
    assert "bus_stop" in city.categories
    assert known_categories(city)[-1] == "bus_stop"
    assert category_label("bus_stop", city) == "Busshållplats"
    assert category_icon("bus_stop", city) == "bus"
    assert map_label("bus_stop") == "Busshållplats"  # the maps' and reports' label
    assert category_label("library", city) == "Bibliotek"  # built-in labels are kept
    assert "bus_stop" in city.provenance["categories_known"]
    assert not [p for p in city.validate() if "categor" in p]


def test_compute_access_accepts_the_declared_category(tmp_path):
    city = load_city(_bus_city(tmp_path), cache=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = compute_access(
            city, None, categories=["bus_stop"], profiles=["adult"], thresholds_min=[15]
        )
    assert list(acc.categories) == ["bus_stop"]
    with pytest.raises(ParameterError, match="bus_stop"):
        compute_access(city, None, categories=["bus_stp"], profiles=["adult"])


def test_an_undeclared_category_is_refused_with_the_declaration_as_fix(tmp_path):
    with pytest.raises(SchemaError) as e:
        load_city(_bus_city(tmp_path, declare=""), cache=False)
    text = str(e.value)
    assert "Unknown category 'hållplats'" in text
    assert "[categories.hallplats]" in text


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"library": {"label_sv": "B"}}, "built-in category"),
        ({"bus_stop": {"icon": "bus"}}, "no Swedish label"),
        ({"Bus stop": {"label_sv": "B"}}, "lower-case"),
        ({"bus_stop": {"label_sv": "B", "colour": "red"}}, "Unknown key 'colour'"),
        ({"bus_stop": {"label_sv": "B", "icon": "<b>"}}, "icon"),
    ],
)
def test_bad_declarations_are_refused(table, words):
    with pytest.raises(SchemaError, match=words):
        parse_declared(table, file="city.toml")


def test_a_bad_declaration_in_the_city_toml_names_the_file(tmp_path):
    toml = _bus_city(tmp_path, declare=BUS.replace('label_sv = "Busshållplats"\n', ""))
    with pytest.raises(SchemaError, match="no Swedish label") as e:
        load_city(toml, cache=False)
    assert str(toml) in str(e.value) and "[categories.bus_stop]" in str(e.value)


SCEN = """
name = "grocery"
city = "helsingborg"
thresholds_min = [10]
profiles = ["adult"]
{cats}
[[interventions]]
type = "add_service"
category = "grocery"
name = "Ny butik"
lon = 12.70
lat = 56.05
[outputs]
maps = false
report = false
"""

DECLARED = '[categories]\ncompute = ["grocery", "library"]\n[categories.grocery]\nlabel_sv = "Livsmedelsbutik"\n'


def test_a_scenario_declares_a_category(tmp_path):
    s = sc.load_scenario(write(tmp_path, SCEN.format(cats=DECLARED)))
    assert s.categories == ("grocery", "library")
    assert s.declared_categories == (Category("grocery", "Livsmedelsbutik"),)
    city = _load_city(s)
    check_against_city(s, city)
    assert category_label("grocery", city) == "Livsmedelsbutik"
    table = categories_table(city, s)
    assert table.set_index("category").loc["grocery", "label_sv"] == "Livsmedelsbutik"


def test_a_scenario_with_an_undeclared_category_is_refused(tmp_path):
    s = sc.load_scenario(write(tmp_path, SCEN.format(cats='categories = ["grocery"]')))
    with pytest.raises(ScenarioError, match="Unknown service category 'grocery'") as e:
        check_against_city(s, _load_city(s))
    assert "[categories.grocery]" in str(e.value)


def test_a_scenario_declaring_a_built_in_category_is_refused(tmp_path):
    bad = '[categories.library]\nlabel_sv = "Bibblan"\n'
    with pytest.raises(ScenarioError, match="built-in category"):
        sc.load_scenario(write(tmp_path, SCEN.format(cats=bad)))
