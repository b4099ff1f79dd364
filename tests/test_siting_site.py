"""High-level siting (``site``) and candidate builders on a small synthetic city and network."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from proximity.errors import InfeasibleError, InputFileError, ParameterError, SchemaError
from proximity.network import WalkNetwork
from proximity.siting import candidates as cands
from proximity.siting import site
from proximity.sources.city import City

X0, Y0 = 360_000.0, 6_215_000.0  # somewhere in Helsingborg, EPSG:3006
CRS = "EPSG:3006"


def grid_network(n: int = 21, step: float = 100.0) -> WalkNetwork:
    """An n × n street grid with ``step`` m blocks."""
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x = X0 + ii.ravel() * step
    y = Y0 + jj.ravel() * step
    idx = (ii * n + jj).ravel()
    right = idx[(ii < n - 1).ravel()]
    up = idx[(jj < n - 1).ravel()]
    u = np.concatenate([right, up])
    v = np.concatenate([right + n, up + 1])
    return WalkNetwork.from_arrays(CRS, x, y, u, v, edge_highway=np.full(u.size, "residential"))


def synthetic_city() -> City:
    """Two areas (west / east halves of a 2 km square), 60 demand points, services, NGOs."""
    rng = np.random.default_rng(5)
    west = shapely.box(X0 - 50, Y0 - 50, X0 + 1000, Y0 + 2050)
    east = shapely.box(X0 + 1000, Y0 - 50, X0 + 2050, Y0 + 2050)
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["W", "E"],
            "name": ["Väst", "Öst"],
            "boundary_quality": "exact",
            "source": "test",
        },
        geometry=[west, east],
        crs=CRS,
    )
    xy = np.column_stack([X0 + rng.uniform(0, 2000, 60), Y0 + rng.uniform(0, 2000, 60)])
    demand = gpd.GeoDataFrame(
        {
            "demand_id": [f"d{i:03d}" for i in range(60)],
            "area_id": np.where(xy[:, 0] < X0 + 1000, "W", "E"),
            "subarea_id": "",
            "population": rng.integers(10, 500, 60).astype(float),
            "population_year": 2024,
            "location_quality": "exact",
            "source": "test",
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=CRS,
    )
    svc_xy = [(300, 300), (1500, 1500), (700, 1700), (1800, 400), (1000, 1000), (200, 1900)]
    cats = [
        "library",
        "library",
        "meeting_place",
        "meeting_place",
        "district_office",
        "health_centre",
    ]
    services = gpd.GeoDataFrame(
        {
            "service_id": [f"s{i}" for i in range(len(cats))],
            "name": [f"Service {i}" for i in range(len(cats))],
            "category": cats,
            "location_quality": "exact",
            "source": "test",
        },
        geometry=gpd.points_from_xy([X0 + a for a, _ in svc_xy], [Y0 + b for _, b in svc_xy]),
        crs=CRS,
    )
    nonprofits = gpd.GeoDataFrame(
        {
            "org_id": ["n1", "n2", "n3"],
            "name": ["Föreningen A", "Klubben B", "Långt bort"],
            "kind": ["association", "club:sport", "ngo"],
            "source": "test",
        },
        geometry=gpd.points_from_xy(
            [X0 + 320, X0 + 1510, X0 + 5000], [Y0 + 310, Y0 + 1480, Y0 + 5000]
        ),
        crs=CRS,
    )
    return City(
        name="Testby",
        crs=CRS,
        boundary=shapely.union(west, east),
        areas=areas,
        subareas=None,
        demand=demand,
        unlocated=None,
        services=services,
        nonprofits=nonprofits,
    )


@pytest.fixture(scope="module")
def city() -> City:
    return synthetic_city()


@pytest.fixture(scope="module")
def net() -> WalkNetwork:
    return grid_network()


# ---------------------------------------------------------------------------- site()


def test_site_network_mclp(city: City, net: WalkNetwork) -> None:
    r = site(city, net, k=2, threshold_min=5, candidates=["library", "meeting_place"])
    assert r.distance_method == "network"
    assert len(r.chosen) == 2 and r.status == "optimal" and r.gap == 0.0
    assert r.marginal_gain == sorted(r.marginal_gain, reverse=True)
    # the existing district office (s4) is open: its residents are covered before
    base = r.per_area.set_index("area_id").loc["__total__", "covered_before"]
    assert base > 0
    assert r.objective == pytest.approx(base + sum(r.marginal_gain))
    ps = r.per_site
    assert list(ps["candidate_id"]) == r.chosen
    for col in (
        "area_id",
        "area_name",
        "areas_served",
        "newly_covered_by_area",
        "gini_coverage_share_before",
        "gini_coverage_share_after",
        "gini_coverage_share_change",
        "nonprofits_n",
        "nonprofits_names",
        "nonprofits_label_sv",
        "nonprofits_note",
        "robustness_share",
        "distance_method",
    ):
        assert col in ps.columns
    # non-profits: "Långt bort" is 5 km away and never listed
    assert "Långt bort" not in " ".join(r.nonprofits["name"])
    assert set(r.nonprofits["distance_method"]) <= {"network"}
    assert (r.nonprofits["minutes"] <= 5 + 1e-9).all()
    # the old, ambiguous Gini names are gone (the time Gini lives in equity / compare)
    assert not {"gini_before", "gini_after", "delta_gini"} & set(ps.columns)
    assert r.nonprofit_data_available and r.summary()["nonprofit_data_available"]
    counts = r.nonprofits.groupby("candidate_id").size()
    assert ps["nonprofits_n"].tolist() == [int(counts.get(c, 0)) for c in ps["candidate_id"]]
    assert (ps["nonprofits_note"] == "").all()
    # robustness: 3 profiles × 2 thresholds (0 and negative thresholds dropped)
    assert len(r.scenarios) == 3 * 2
    assert r.robustness["share"].between(0, 1).all()
    # per_site_area newly covered adds up to each site's newly covered
    s = r.per_site_area.groupby("candidate_id")["newly_covered"].sum()
    for cid, v in zip(ps["candidate_id"], ps["newly_covered"], strict=True):
        assert s.get(cid, 0.0) == pytest.approx(v)


def test_site_p_median_and_greedy(city: City, net: WalkNetwork) -> None:
    r = site(
        city, net, k=2, threshold_min=5, model="p_median", solver="highs", robustness_profiles=None
    )
    assert r.model == "p_median" and r.status == "optimal"
    h = site(
        city, net, k=2, threshold_min=5, model="p_median", solver="greedy", robustness_profiles=None
    )
    assert h.objective >= r.objective - 1e-9
    assert np.isnan(h.gap) and h.solver == "greedy+interchange"
    assert r.provenance["p_median_cap_min"] == 30.0


def test_site_crowfly_is_labelled(city: City) -> None:
    with pytest.warns(UserWarning, match="crowfly×1.3"):
        r = site(city, None, k=2, threshold_min=5, robustness_profiles=None)
    assert r.distance_method == "crowfly×1.3"
    assert (r.per_site["distance_method"] == "crowfly×1.3").all()
    assert r.per_site["nonprofits_label"].str.contains("crowfly×1.3").all()


def test_site_one_per_area(city: City, net: WalkNetwork) -> None:
    # the existing district office s4 (x = 1000 m, on the W/E border) counts as its area's
    # office: that area gets no new site, the other at most one
    r = site(
        city,
        net,
        k=1,
        threshold_min=5,
        candidates=["library", "meeting_place"],
        one_per_area=True,
        robustness_profiles=None,
    )
    caps = r.provenance["max_per_area"]
    assert sorted(caps.values()) == [0, 1]
    free = next(a for a, m in caps.items() if m == 1)
    assert list(r.per_site["area_id"]) == [free]
    with pytest.raises(InfeasibleError, match=r"Only 1 site\(s\) can be placed"):
        site(
            city,
            net,
            k=2,
            threshold_min=5,
            candidates=["library", "meeting_place"],
            one_per_area=True,
            robustness_profiles=None,
        )


def test_site_at_least_one_per_area_infeasible(city: City, net: WalkNetwork) -> None:
    only_west = cands.filter_by_area(
        cands.assign_areas(cands.from_services(city, ["library", "meeting_place"]), city.areas),
        ["W"],
    )
    city2 = City(
        **{
            **city.__dict__,
            "services": city.services[city.services["category"] != "district_office"],
        }
    )
    with pytest.raises(
        InfeasibleError, match="'E' require at least one new site but have no candidate"
    ):
        site(
            city2, net, k=2, candidates=only_west, one_per_area="at_least", robustness_profiles=None
        )


def test_site_bad_input(city: City, net: WalkNetwork) -> None:
    with pytest.raises(ParameterError, match="only 4 candidate sites"):
        site(city, net, k=5, candidates=["library", "meeting_place"])
    for bad in (0, -1, float("nan")):
        with pytest.raises(ParameterError, match="threshold_min"):
            site(city, net, threshold_min=bad)
    with pytest.raises(ParameterError):
        site(city, net, model="median")
    with pytest.raises(ParameterError):
        site(city, net, profile="jogger")
    with pytest.raises(ParameterError):
        site(city, net, one_per_area="sometimes")


def test_site_deterministic_and_write(city: City, net: WalkNetwork, tmp_path) -> None:
    a = site(city, net, k=2, threshold_min=5)
    b = site(city, net, k=2, threshold_min=5)
    assert a.chosen == b.chosen and a.marginal_gain == b.marginal_gain
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    paths = a.write(tmp_path / "out")
    assert (tmp_path / "out" / "siting.json").exists()
    df = pd.read_csv(paths["siting_sites"])
    assert list(df["candidate_id"]) == a.chosen
    assert not list((tmp_path / "out").glob(".*"))  # no temporary files left behind
    paths2 = b.write(tmp_path / "out2")
    for k in paths:
        assert paths[k].read_bytes() == paths2[k].read_bytes()


# ---------------------------------------------------------------------------- candidates


def test_grid_candidates(city: City, net: WalkNetwork) -> None:
    g = cands.from_grid(city, 500, network=net, max_snap_m=60)
    assert len(g) > 0 and g["candidate_id"].is_unique
    assert g["candidate_id"].str.startswith("grid500:").all()
    # snapped onto the network: every candidate lies on a grid street
    gx = (g.geometry.x - X0) % 100
    gy = (g.geometry.y - Y0) % 100
    assert ((np.minimum(gx, 100 - gx) < 1e-6) | (np.minimum(gy, 100 - gy) < 1e-6)).all()
    g2 = cands.from_grid(city, 500)
    assert set(g["candidate_id"]) <= set(g2["candidate_id"])  # stable ids
    g2 = cands.assign_areas(g2, city.areas)
    assert set(g2["area_id"]) <= {"W", "E"}
    r = site(city, net, k=3, candidates=g, robustness_profiles=None)
    assert all(c.startswith("grid500:") for c in r.chosen)
    with pytest.raises(ParameterError):
        cands.from_grid(city, 0)


def test_file_candidates(city: City, tmp_path) -> None:
    p = tmp_path / "c.csv"
    pd.DataFrame(
        {
            "id": ["A", "B"],
            "name": ["Skola", "Köpcentrum"],
            "x": [X0 + 100, X0 + 1900],
            "y": [Y0 + 100, Y0 + 1900],
        }
    ).to_csv(p, index=False)
    c = cands.assign_areas(cands.from_file(p, CRS), city.areas)
    assert list(c["candidate_id"]) == ["A", "B"] and list(c["area_id"]) == ["W", "E"]
    assert (c["source"] == "file:c.csv").all()
    with pytest.raises(InputFileError):
        cands.from_file(tmp_path / "missing.csv", CRS)
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"a": [1]}).to_csv(bad, index=False)
    with pytest.raises(SchemaError, match="x, y"):
        cands.from_file(bad, CRS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = site(city, None, k=1, candidates=p, robustness_profiles=None)
    assert r.chosen[0] in {"A", "B"}


def test_combine_and_places(city: City) -> None:
    places = gpd.GeoDataFrame(
        {"osmid": [1, 2], "name": ["Skolan", None]},
        geometry=[shapely.box(X0, Y0, X0 + 50, Y0 + 50), shapely.Point(X0 + 1500, Y0 + 10)],
        crs=CRS,
    )
    p = cands.from_places(places, id_col="osmid", source="osm", category="school")
    assert list(p["candidate_id"]) == ["osm:1", "osm:2"]
    assert (p.geometry.geom_type == "Point").all()
    s = cands.from_services(city, ["library"])
    both = cands.combine(s, p, s)
    assert both["candidate_id"].is_unique and len(both) == len(s) + len(p)
    with pytest.raises(ParameterError, match="Unknown candidate"):
        cands.from_services(city, ["casino"])


def test_site_keeps_a_customised_profile(city: City, net: WalkNetwork) -> None:
    from proximity.profiles import WalkingProfile

    slow = WalkingProfile("adult", 0.5, "långsam", "test")
    a = site(city, net, k=2, threshold_min=5, profile=slow)
    b = site(city, net, k=2, threshold_min=5)
    assert a.objective < b.objective
    row = a.scenarios[(a.scenarios["profile"] == "adult") & (a.scenarios["threshold_min"] == 5)]
    assert row["objective"].iloc[0] == pytest.approx(a.objective)


# ---------------------------------------------------------------------------- non-profits


def _with(city: City, **kw: object) -> City:
    import dataclasses

    return dataclasses.replace(city, **kw)


def test_nonprofits_no_data_is_not_zero(city: City, net: WalkNetwork) -> None:
    """A city without any non-profit data: NaN count and "ingen data", never "0 nearby"."""
    empty = city.nonprofits.iloc[0:0]
    for orgs in (empty, None):
        r = site(_with(city, nonprofits=orgs), net, k=2, threshold_min=5, robustness_profiles=None)
        ps = r.per_site
        assert not r.nonprofit_data_available
        assert r.summary()["nonprofit_data_available"] is False
        assert r.provenance["nonprofit_data_available"] is False
        assert ps["nonprofits_n"].isna().all()
        assert (ps["nonprofits_label_sv"] == "ingen data om ideella organisationer").all()
        assert (ps["nonprofits_note"] == "ingen data om ideella organisationer").all()
        assert (ps["nonprofits_label_en"] == "no data on non-profits").all()
        assert (ps["nonprofits_names"] == "").all()
        assert not ps["nonprofits_label"].str.match(r"^0 ").any()
        assert len(r.nonprofits) == 0


def test_nonprofits_data_but_none_in_reach(city: City, net: WalkNetwork) -> None:
    """Data exists, but the only organisation is 5 km away: 0 and "inga inom 5 min"."""
    far = city.nonprofits[city.nonprofits["org_id"] == "n3"]
    r = site(_with(city, nonprofits=far), net, k=2, threshold_min=5, robustness_profiles=None)
    ps = r.per_site
    assert r.nonprofit_data_available
    assert (ps["nonprofits_n"] == 0).all() and ps["nonprofits_n"].notna().all()
    assert (ps["nonprofits_label_sv"] == "inga inom 5 min").all()
    assert (ps["nonprofits_label_en"] == "none within 5 min").all()
    assert (ps["nonprofits_note"] == "").all()
    assert ps["nonprofits_label"].str.startswith("0 non-profit(s) within 5 min").all()


def test_nonprofits_label_sv_wording() -> None:
    from proximity.siting.api import nonprofits_label_en, nonprofits_label_sv

    assert nonprofits_label_sv(0, 10) == "inga inom 10 min"
    assert nonprofits_label_sv(1, 10) == "1 ideell organisation inom 10 min"
    assert nonprofits_label_sv(3, 7.5) == "3 ideella organisationer inom 7.5 min"
    assert nonprofits_label_en(0, 10) == "none within 10 min"
    assert nonprofits_label_en(1, 10) == "1 non-profit within 10 min"
    assert nonprofits_label_en(2, 10) == "2 non-profits within 10 min"


# ---------------------------------------------------------------------------- denominators


def test_per_area_denominators_match_coverage(city: City, net: WalkNetwork) -> None:
    """Unlocated residents with an area count in that area's share; those known only for the
    municipality ("__unassigned__", or an id that is no area) in the total row only; the
    shares before equal coverage's covered_share for the same category, T and profile."""
    from proximity.coverage import TOTAL_AREA_ID, compute_access
    from proximity.sources import UNASSIGNED_AREA

    unl = pd.DataFrame(
        {
            "area_id": ["W", UNASSIGNED_AREA, "nowhere"],
            "population": [100.0, 50.0, 25.0],
            "population_year": 2024,
            "reason": "test",
            "source": "test",
        }
    )
    c2 = _with(city, unlocated=unl)
    r = site(c2, net, k=2, threshold_min=5, robustness_profiles=None)
    acc = compute_access(
        c2, net, categories=["district_office"], profiles=("adult",), thresholds_min=(5,)
    )
    cov = acc.areas
    if "group" in cov.columns:
        cov = cov[cov["group"] == "all"]
    cov = cov.set_index("area_id")
    pa = r.per_area.set_index("area_id")
    located = city.demand.groupby("area_id")["population"].sum()
    assert pa.loc["W", "population"] == pytest.approx(located["W"] + 100)
    assert pa.loc["E", "population"] == pytest.approx(located["E"])
    assert pa.loc["__total__", "population"] == pytest.approx(located.sum() + 175)
    assert UNASSIGNED_AREA not in pa.index and "nowhere" not in pa.index
    for a in ("W", "E", TOTAL_AREA_ID):
        assert pa.loc[a, "population"] == pytest.approx(cov.loc[a, "population"])
        assert pa.loc[a, "share_before"] == pytest.approx(cov.loc[a, "covered_share"])
    tot = pa.loc["__total__"]
    assert tot["share_after"] == pytest.approx(tot["covered_after"] / (located.sum() + 175))
    assert r.provenance["unlocated_in_areas"] == pytest.approx(100)
    assert r.provenance["unlocated_municipality_only"] == pytest.approx(75)


def test_impact_tables_unassigned_population() -> None:
    """Array level: the unassigned population only enters the total row's denominator, and
    the Gini of covered shares is named as such and follows its formula."""
    import scipy.sparse as sp

    from proximity.siting import impact_tables
    from proximity.siting.models import SitingProblem

    # demand: a1 (10, area a), a2 (30, area a), b1 (60, area b); candidate c0 covers a1, b1
    cover = sp.csr_matrix(np.array([[1, 0, 1]], dtype=bool))
    prob = SitingProblem(
        demand_weight=np.array([10.0, 30.0, 60.0]),
        demand_area=np.array(["a", "a", "b"]),
        demand_ids=np.array(["a1", "a2", "b1"]),
        candidate_ids=np.array(["c0"]),
        candidate_area=np.array(["a"]),
        cover=cover,
        existing_covered=np.array([False, True, False]),
        k=1,
        threshold_min=10.0,
    )
    per_site, _, per_area = impact_tables(
        prob, np.array([0]), extra_population={"b": 40.0}, unassigned_population=60.0
    )
    pa = per_area.set_index("area_id")
    assert pa.loc["a", "population"] == 40 and pa.loc["b", "population"] == 100
    assert pa.loc["__total__", "population"] == 200
    assert pa.loc["__total__", "share_before"] == pytest.approx(30 / 200)
    assert pa.loc["__total__", "share_after"] == pytest.approx(100 / 200)
    # before: s_a = 0.75, s_b = 0 with P = (40, 100): G = 2·40·100·0.75 / (2·140²·(30/140))
    g0 = 2 * 40 * 100 * 0.75 / (2 * 140**2 * (30 / 140))
    row = per_site.iloc[0]
    assert row["gini_coverage_share_before"] == pytest.approx(g0)
    # after: s_a = 1.0, s_b = 0.6: G = 2·40·100·0.4 / (2·140²·(100/140))
    g1 = 2 * 40 * 100 * 0.4 / (2 * 140**2 * (100 / 140))
    assert row["gini_coverage_share_after"] == pytest.approx(g1)
    assert row["gini_coverage_share_change"] == pytest.approx(g1 - g0)
    with pytest.raises(ParameterError):
        impact_tables(prob, np.array([0]), unassigned_population=-1.0)


def test_need_weighted_unlocated_get_their_area_need_weight(city: City, net: WalkNetwork) -> None:
    """Need-weighted siting: an area's unlocated residents are weighted like its located ones
    (same need weight), the municipality-only ones with weight 1."""
    stats = pd.DataFrame(
        {
            "area_id": ["W", "E"],
            "edition": "2024",
            "employment_rate_pct": [60.0, 80.0],
            "mean_income_sek": [200_000.0, 300_000.0],
            "cars_per_1000": [400.0, 400.0],
            "source": "test",
        }
    )
    unl = pd.DataFrame(
        {
            "area_id": ["W", "__unassigned__"],
            "population": [100.0, 50.0],
            "population_year": 2024,
            "reason": "test",
            "source": "test",
        }
    )
    c2 = _with(city, unlocated=unl, area_stats=stats)
    r = site(c2, net, k=1, threshold_min=5, need_weighted=True, robustness_profiles=None)
    pa = r.per_area.set_index("area_id")
    p = r.problem
    w_w = float(p.demand_weight[p.demand_area == "W"].sum())
    w_e = float(p.demand_weight[p.demand_area == "E"].sum())
    located_w = float(city.demand.loc[city.demand["area_id"] == "W", "population"].sum())
    n_w = w_w / located_w
    assert n_w > 1  # W has the lower employment rate: more need
    assert pa.loc["W", "population"] == pytest.approx(w_w + 100 * n_w)
    assert pa.loc["E", "population"] == pytest.approx(w_e)
    assert pa.loc["__total__", "population"] == pytest.approx(w_w + w_e + 100 * n_w + 50)
