"""The embedded Helsingborg default: the "Done when" list of issue 3.

Expected figures are transcribed here from the raw facts in ``../shared/data/helsingborg``
(subareas.csv, tatorter_scb2020.csv, municipal_population.csv), independently of the loader.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from proximity.sources import CATEGORIES, City, load_city

REPO = Path(__file__).resolve().parents[1]
FACTS = REPO.parent / "shared" / "data" / "helsingborg"

TEN_AREAS = {
    "Norra landsbygden",
    "Norra staden",
    "Nordöstra staden",
    "Nordvästra staden",
    "Centrum Norr",
    "Centrum Söder",
    "Östra staden",
    "Sydöstra staden",
    "Södra staden",
    "Södra landsbygden",
}

# (name, lat, lon, population, year, area) of the 27 stadsdelar in subareas.csv
STADSDELAR = [
    ("Norr", 56.05694, 12.68333, 3802, 2020, "Nordvästra staden"),
    ("Tågaborg", 56.05750, 12.69250, 8068, 2020, "Nordvästra staden"),
    ("Drottninghög", 56.06194, 12.72806, 2711, 2020, "Nordöstra staden"),
    ("Söder", 56.03806, 12.70333, 5425, 2020, "Centrum Söder"),
    ("Ramlösa", 56.02111, 12.75083, 4268, 2020, "Sydöstra staden"),
    ("Högaborg", 56.03889, 12.71222, 4558, 2020, "Centrum Söder"),
    ("Slottshöjden", 56.05222, 12.69750, 4095, 2020, "Centrum Norr"),
    ("Högasten", 56.01167, 12.72750, 1027, 2020, "Södra staden"),
    ("Ringstorp", 56.06528, 12.70056, 5096, 2020, "Norra staden"),
    ("Fredriksdal", 56.05806, 12.72194, 5782, 2020, "Nordöstra staden"),
    ("Dalhem", 56.06750, 12.73667, 5740, 2020, "Nordöstra staden"),
    ("Mariastaden", 56.08139, 12.69694, 7487, 2020, "Norra staden"),
    ("Stattena", 56.05833, 12.70389, 2879, 2020, "Norra staden"),
    ("Olympia", 56.04889, 12.70639, 2125, 2020, "Centrum Norr"),
    ("Eneborg", 56.04194, 12.71028, 4405, 2020, "Centrum Söder"),
    ("Elineberg", 56.02833, 12.72528, 2730, 2020, "Sydöstra staden"),
    ("Planteringen", 56.02722, 12.70806, 3098, 2020, "Södra staden"),
    ("Wilson Park", 56.04694, 12.71556, 2190, 2020, "Östra staden"),
    ("Husensjö", 56.04361, 12.72750, 1661, 2020, "Östra staden"),
    ("Rosengården", 56.05000, 12.72806, 4928, 2020, "Östra staden"),
    ("Fältabacken", 56.03889, 12.72583, 1002, 2020, "Östra staden"),
    ("Närlunda", 56.03417, 12.71889, 1587, 2020, "Sydöstra staden"),
    ("Gustavslund", 56.03111, 12.74889, 4735, 2020, "Sydöstra staden"),
    ("Eskilsminne", 56.03111, 12.73194, 1895, 2020, "Sydöstra staden"),
    ("Miatorp", 56.01972, 12.71972, 2874, 2020, "Södra staden"),
    ("Ättekulla", 56.01056, 12.75778, 4002, 2018, "Södra staden"),
    ("Råå", 56.00000, 12.73889, 3364, 2020, "Södra staden"),
]
# SCB tätorter 2020 (tatorter_scb2020.csv)
HELSINGBORG_TATORT_2020 = 113828
RURAL_TATORTER_2020 = {
    "Rydebäck": 6480,
    "Påarp": 5883,
    "Ödåkra": 5807,
    "Hittarp": 4628,
    "Mörarp": 1946,
    "Gantofta": 1506,
    "Vallåkra": 787,
    "Kattarp": 774,
    "Allerum": 742,
    "Domsten": 611,
    "Hasslarp": 585,
    "Tånga och Rögle": 242,
    "Utvälinge": 236,
    "Fleninge": 226,
}
KOMMUN_2020 = 149280  # municipal_population.csv, 2020-12-31


@pytest.fixture(scope="module")
def city() -> City:
    return load_city("helsingborg")


def test_ten_area_names(city: City) -> None:
    assert len(city.areas) == 10
    assert set(city.areas["name"]) == TEN_AREAS
    assert city.areas["area_id"].is_unique
    assert city.crs == "EPSG:3006"
    assert city.areas.crs == city.demand.crs == city.services.crs == "EPSG:3006"


def test_population_totals(city: City) -> None:
    stadsdelar = sum(s[3] for s in STADSDELAR)
    assert stadsdelar == 101534
    rural = sum(RURAL_TATORTER_2020.values())
    tatorter = HELSINGBORG_TATORT_2020 + rural
    urban_residual = HELSINGBORG_TATORT_2020 - stadsdelar
    outside_tatorter = KOMMUN_2020 - tatorter
    assert urban_residual == 12294
    # located: 27 stadsdelar + 14 rural tätorter
    assert city.demand["population"].sum() == stadsdelar + rural
    # unlocated: the two flagged residuals, no location
    assert sorted(city.unlocated["population"].astype(int)) == sorted(
        [urban_residual, outside_tatorter]
    )
    assert (city.unlocated["area_id"] == "__unassigned__").all()
    # documented total = the municipality (2020-12-31)
    assert city.total_population == KOMMUN_2020
    assert city.provenance["population_total"] == KOMMUN_2020


def test_population_years_and_flags(city: City) -> None:
    d = city.demand.set_index("name")
    assert d.loc["Ättekulla", "population_year"] == 2018
    assert "2018" in str(d.loc["Ättekulla", "population_note"])
    others = d.drop(index="Ättekulla")
    assert (others["population_year"] == 2020).all()
    assert set(d["location_quality"]) == {"district reference point", "locality reference point"}
    assert "Helsingborg" not in set(d.index)  # the tätort itself is not a demand point
    for name, *_rest in STADSDELAR:
        assert name in d.index
    assert not any(c.startswith("pop_") for c in city.demand.columns)  # no age data in facts


def test_services_have_category_and_location_quality(city: City) -> None:
    s = city.services
    assert len(s) > 0 and s["service_id"].is_unique
    # the nine built-in categories and the three declared in city.toml (h22 open data)
    assert s["category"].isin([*CATEGORIES, *city.declared_categories]).all()
    assert set(city.declared_categories) == {"school", "playground", "family_centre"}
    assert s["location_quality"].fillna("").str.len().gt(0).all()
    assert (s.geometry.geom_type == "Point").all()
    # the Planteringen office is a district office, in Södra staden
    do = s[s["category"] == "district_office"]
    assert len(do) >= 1
    assert "Planteringen" in " ".join(do["name"])
    assert (do["area_id"] == "sodra_staden").all()
    # OSM health points keep their real coordinates and the ODbL attribution
    osm = s[s["location_quality"] == "exact (OSM node)"]
    assert len(osm) >= 5
    assert osm["source"].str.contains("OpenStreetMap contributors, ODbL 1.0").all()
    assert (osm["category"] == "health_centre").all()
    # pharmacies and the closed Multiteket are not services
    assert not s["name"].str.contains("Apotek|Multiteket", case=False).any()
    # services without any location are listed separately with the reason
    u = city.services_unlocated
    assert len(u) > 0 and u["reason"].str.len().gt(0).all()
    assert "Helsingborg kontaktcenter" in set(u["name"])


# Transcribed from ../shared/data/helsingborg/README.md (h22/): 6 family centres; 229 schools of
# which 133 preschools (left out: category school is grundskola, gymnasium, särskola); 197
# playgrounds. Two points copied by hand from h22/familjecentraler.csv and h22/skolor.csv.
H22_COUNTS = {"family_centre": 6, "school": 229 - 133, "playground": 197}
H22_POINTS = {
    "Familjecentralen Fröhuset": (56.049985, 12.7258389),
    "Carina Bäckströms privata barnomsorg": None,  # a preschool: not a service
    "Elinebergsskolan": (56.029333, 12.725568),
}


def test_helsingborg_open_data_points_are_services(city: City) -> None:
    s = city.services
    h22 = s[s["service_id"].str.startswith("h22_")]
    assert h22["category"].value_counts().to_dict() == H22_COUNTS
    assert (h22["location_quality"] == "city open data point").all()
    assert h22["source"].str.contains("H22CityExpoHackathon/blob/b8f50b8f").all()
    assert (city.declared_categories["family_centre"].label_sv, "Lekplats") == (
        "Familjecentral",
        city.declared_categories["playground"].label_sv,
    )
    pts = h22.to_crs("EPSG:4326")
    for name, latlon in H22_POINTS.items():
        rows = pts[pts["name"] == name]
        if latlon is None:
            assert rows.empty, name
            continue
        assert len(rows) >= 1, name
        assert rows.geometry.y.round(6).eq(round(latlon[0], 6)).all(), name
        assert rows.geometry.x.round(6).eq(round(latlon[1], 6)).all(), name
    # the one point outside the approximate study area says so (see city.toml)
    note = h22.set_index("service_id").loc["h22_lek_418:playground", "location_note"]
    assert "115 m outside the approximate study area" in note


def test_every_row_has_a_source(city: City) -> None:
    for name in (
        "areas",
        "subareas",
        "demand",
        "unlocated",
        "services",
        "area_stats",
        "services_unlocated",
    ):
        df = getattr(city, name)
        assert len(df) > 0, name
        src = df["source"].fillna("").astype(str).str.strip()
        assert (src.str.len() > 0).all(), name


def test_areas_tile_the_study_area(city: City) -> None:
    total = city.areas.area.sum()
    union = city.areas.geometry.union_all().area
    assert abs(total - union) / union < 0.005
    assert abs(union - city.boundary.area) / city.boundary.area < 0.005
    assert city.areas.geometry.is_valid.all()
    assert city.areas["boundary_quality"].str.startswith("approximate").all()
    assert city.subareas["boundary_quality"].str.startswith("approximate").all()


def test_every_stadsdel_point_in_its_own_area(city: City) -> None:
    pts = gpd.GeoDataFrame(
        {"name": [s[0] for s in STADSDELAR], "area": [s[5] for s in STADSDELAR]},
        geometry=gpd.points_from_xy([s[2] for s in STADSDELAR], [s[1] for s in STADSDELAR]),
        crs="EPSG:4326",
    ).to_crs(city.crs)
    j = gpd.sjoin(
        pts,
        city.areas[["name", "geometry"]].rename(columns={"name": "poly"}),
        predicate="within",
        how="left",
    )
    assert j["name"].is_unique
    assert (j["area"] == j["poly"]).all(), j.loc[j["area"] != j["poly"], ["name", "area", "poly"]]
    # and every demand point lies in its own area and sub-area
    jd = gpd.sjoin(
        city.demand[["demand_id", "area_id", "geometry"]],
        city.areas[["area_id", "geometry"]],
        predicate="within",
        how="left",
        lsuffix="pt",
        rsuffix="poly",
    )
    assert (jd["area_id_pt"] == jd["area_id_poly"]).all()


def test_split_sodra_staden(city: City) -> None:
    before = city.areas.set_index("area_id").loc["sodra_staden"].geometry
    split = city.split_area("sodra_staden")
    assert "sodra_staden" not in split.area_ids
    new = split.areas[split.areas["parent_area_id"] == "sodra_staden"]
    assert set(new["name"]) == {"Planteringen", "Miatorp", "Högasten", "Råå", "Ättekulla"}
    plant = new[new["name"] == "Planteringen"]
    assert len(plant) == 1
    pid = plant["area_id"].iloc[0]
    # Planteringen's population is its own area now
    assert split.demand.loc[split.demand["area_id"] == pid, "population"].sum() == 3098
    assert split.total_population == city.total_population
    assert abs(new.geometry.union_all().area - before.area) / before.area < 1e-6
    assert len(split.areas) == 14
    # the district office moves with it
    assert (
        split.services.loc[split.services["category"] == "district_office", "area_id"] == pid
    ).all()
    # the original city is unchanged
    assert "sodra_staden" in city.area_ids


def test_area_stats(city: City) -> None:
    st = city.area_stats
    assert set(st["area_id"]) == set(city.area_ids)
    pref = st[st["preferred"]]
    assert pref["area_id"].is_unique and len(pref) == 10
    row = st[(st["area_id"] == "nordostra_staden") & (st["edition"] == "trendomvarld-2017")].iloc[0]
    assert row["employment_rate_pct"] == 54 and row["mean_income_sek"] == 284000
    assert row["cars_per_1000"] == 267


def test_load_city_returns_independent_copies() -> None:
    a = load_city("helsingborg")
    a.demand.loc[:, "population"] = 0
    b = load_city("helsingborg")
    assert b.demand["population"].sum() > 0


def _build_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("hbg_build", REPO / "data/helsingborg/build.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize(
    "as_read,cited,why",
    [
        (
            "https://fanyv88.com/https/sv.m.wikipedia.org/wiki/Raus_plantering",
            "https://sv.m.wikipedia.org/wiki/Raus_plantering",
            "proxy fanyv88.com",
        ),
        ("https://sv.wikipedia.org./wiki/Eneborg", "https://sv.wikipedia.org/wiki/Eneborg", "dot"),
        ("https://www.wikizero.net/wiki/sv/Drottningh%C3%B6g", None, ""),  # mirror: kept
        ("https://sv.wikipedia.org/wiki?curid=65428", None, ""),
    ],
)
def test_clean_url(as_read: str, cited: str | None, why: str) -> None:
    mod = _build_module()
    url, note = mod.clean_url(as_read)
    assert url == (cited or as_read)
    assert (why in note) if why else note == ""


def test_mirror_of() -> None:
    mod = _build_module()
    assert mod.mirror_of("https://wikizero.net/wiki/sv/Elineberg").startswith(
        "mirror of sv.wikipedia"
    )
    assert mod.mirror_of("https://www.how.com.vn/wiki/sv/P%C3%A5arp").startswith(
        "mirror of sv.wikipedia"
    )
    fi = "http://wikipedia.ddns.net:12345/content/wikipedia_fi_all_maxi_2023-05/A/Helsingborgin_kunta"
    assert mod.mirror_of(fi).startswith("mirror of fi.wikipedia")
    assert mod.mirror_of("https://sv.wikipedia.org/wiki/R%C3%A5%C3%A5") is None


def test_sources_cite_the_page_not_the_proxy(city: City) -> None:
    """No proxy-wrapped URL is cited; the URL as read is kept next to it; mirrors are noted."""
    mod = _build_module()
    tables = {
        n: getattr(city, n)
        for n in ("areas", "subareas", "demand", "unlocated", "services", "services_unlocated")
    }
    n_proxy = n_mirror = 0
    for name, df in tables.items():
        src = df["source"].fillna("").astype(str)
        for proxy in mod.URL_PROXIES:
            assert not src.str.contains(proxy, regex=False).any(), name
        assert not src.str.contains(r"https?://[^/\s]+\./", regex=True).any(), name
        as_read = df["source_as_read"].astype(object).fillna("").astype(str)
        note = df["source_note"].astype(object).fillna("").astype(str)
        via = as_read.str.contains("fanyv88.com", regex=False)
        assert (note[via].str.contains("read through the proxy fanyv88.com")).all(), name
        n_proxy += int(via.sum())
        # a row citing a Wikipedia mirror says which Wikipedia it mirrors
        mirror = src.map(lambda s: any(mod.mirror_of(u) for u in mod._URL.findall(s)))
        assert note[mirror].str.contains("mirror of ").all(), name
        n_mirror += int(mirror.sum())
        # rows that were not rewritten have no as-read copy
        assert (as_read[as_read != ""] != src[as_read != ""]).all(), name
    assert n_proxy >= 1 and n_mirror >= 1
    d = city.demand.set_index("name")
    assert d.loc["Planteringen", "source"] == "https://sv.m.wikipedia.org/wiki/Raus_plantering"
    assert d.loc["Planteringen", "source_as_read"].startswith("https://fanyv88.com/https/")
    assert "mirror of sv.wikipedia" in d.loc["Drottninghög", "source_note"]
    assert d.loc["Drottninghög", "source"].startswith("https://www.wikizero.net/")
    srcs = pd.read_csv(REPO / "data/helsingborg/sources.csv").fillna("")
    assert not srcs["source"].str.contains("fanyv88", regex=False).any()
    row = srcs[srcs["source"] == "https://sv.m.wikipedia.org/wiki/Raus_plantering"].iloc[0]
    assert "fanyv88.com" in row["as_read"] and "proxy" in row["note"]
    wz = srcs[srcs["source"].str.contains("wikizero")]
    assert len(wz) >= 1 and wz["note"].str.contains("mirror of sv.wikipedia").all()


@pytest.mark.skipif(not FACTS.exists(), reason="../shared/data/helsingborg not present")
def test_build_is_reproducible(tmp_path: Path) -> None:
    mod = _build_module()
    summary = mod.build(FACTS, tmp_path)
    assert summary["total_population"] == KOMMUN_2020
    for name in (
        "demand.csv",
        "unlocated.csv",
        "services.csv",
        "services_unlocated.csv",
        "area_stats.csv",
        "sources.csv",
    ):
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / name), pd.read_csv(REPO / "data/helsingborg" / name)
        )
    a = gpd.read_file(tmp_path / "areas.geojson")
    b = gpd.read_file(REPO / "data/helsingborg/areas.geojson")
    assert list(a["area_id"]) == list(b["area_id"])
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-6).all()
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    sa = gpd.read_file(tmp_path / "subareas.geojson")
    sb = gpd.read_file(REPO / "data/helsingborg/subareas.geojson")
    pd.testing.assert_frame_equal(sa.drop(columns="geometry"), sb.drop(columns="geometry"))
    assert sa.geometry.geom_equals_exact(sb.geometry, tolerance=1e-6).all()


def test_loads_without_shared_facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The committed files are enough: copy data/helsingborg alone and load from there."""
    shutil.copytree(REPO / "data/helsingborg", tmp_path / "helsingborg")
    monkeypatch.setenv("PROXIMITY_DATA_DIR", str(tmp_path))
    c = load_city(tmp_path / "helsingborg" / "city.toml", cache=False)
    assert len(c.areas) == 10


def test_city_validate(city: City) -> None:
    # the playground h22_lek_418 lies 115 m outside the approximate study area (city.toml)
    one_out = ["services: 1 point(s) outside the boundary"]
    assert city.validate() == one_out
    assert city.split_area("sodra_staden").validate() == one_out
    assert load_city("helsinki-demo").validate() == []


def test_scb_kommun_boundary(city: City) -> None:
    from proximity.errors import ParameterError
    from proximity.sources import scb_kommun_boundary

    b = scb_kommun_boundary("1283")
    assert 3.3e8 < b.area < 3.35e8  # 332 km², simplified
    assert scb_kommun_boundary("Helsingborg").equals(b)
    study = scb_kommun_boundary("1283", seaward_allowance_m=2000)
    assert abs(study.area - city.boundary.area) / city.boundary.area < 0.01
    with pytest.raises(ParameterError, match="Did you mean 'Helsingborg'"):
        scb_kommun_boundary("Helsingborgg")
