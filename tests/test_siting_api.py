"""High-level siting (site, solve_site in proximity.siting.api) on a small synthetic city and network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _siting_city import grid_network, synthetic_city, with_city

from proximity.errors import InfeasibleError, ParameterError
from proximity.network import WalkNetwork
from proximity.siting import candidates as cands
from proximity.siting import site
from proximity.sources.city import TOTAL_AREA_ID, UNASSIGNED_AREA, City


@pytest.fixture(scope="module")
def city() -> City:
    return synthetic_city()


@pytest.fixture(scope="module")
def net() -> WalkNetwork:
    return grid_network()


def test_site_network_mclp(city: City, net: WalkNetwork) -> None:
    r = site(city, net, k=2, threshold_min=5, candidates=["library", "meeting_place"])
    assert r.distance_method == "network"
    assert len(r.chosen) == 2 and r.status == "optimal" and r.gap == 0.0
    assert r.marginal_gain == sorted(r.marginal_gain, reverse=True)
    # the existing district office (s4) is open: its residents are covered before
    base = r.per_area.set_index("area_id").loc[TOTAL_AREA_ID, "covered_before"]
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


def test_site_keeps_a_customised_profile(city: City, net: WalkNetwork) -> None:
    from proximity.profiles import WalkingProfile

    slow = WalkingProfile("adult", 0.5, "långsam", "test")
    a = site(city, net, k=2, threshold_min=5, profile=slow)
    b = site(city, net, k=2, threshold_min=5)
    assert a.objective < b.objective
    row = a.scenarios[(a.scenarios["profile"] == "adult") & (a.scenarios["threshold_min"] == 5)]
    assert row["objective"].iloc[0] == pytest.approx(a.objective)


def test_per_area_denominators_match_coverage(city: City, net: WalkNetwork) -> None:
    """Unlocated residents with an area count in that area's share; those known only for the
    municipality ("__unassigned__", or an id that is no area) in the total row only; the
    shares before equal coverage's covered_share for the same category, T and profile."""
    from proximity.coverage import compute_access

    unl = pd.DataFrame(
        {
            "area_id": ["W", UNASSIGNED_AREA, "nowhere"],
            "population": [100.0, 50.0, 25.0],
            "population_year": 2024,
            "reason": "test",
            "source": "test",
        }
    )
    c2 = with_city(city, unlocated=unl)
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
    assert pa.loc[TOTAL_AREA_ID, "population"] == pytest.approx(located.sum() + 175)
    assert UNASSIGNED_AREA not in pa.index and "nowhere" not in pa.index
    for a in ("W", "E", TOTAL_AREA_ID):
        assert pa.loc[a, "population"] == pytest.approx(cov.loc[a, "population"])
        assert pa.loc[a, "share_before"] == pytest.approx(cov.loc[a, "covered_share"])
    tot = pa.loc[TOTAL_AREA_ID]
    assert tot["share_after"] == pytest.approx(tot["covered_after"] / (located.sum() + 175))
    assert r.provenance["unlocated_in_areas"] == pytest.approx(100)
    assert r.provenance["unlocated_municipality_only"] == pytest.approx(75)


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
            "area_id": ["W", UNASSIGNED_AREA],
            "population": [100.0, 50.0],
            "population_year": 2024,
            "reason": "test",
            "source": "test",
        }
    )
    c2 = with_city(city, unlocated=unl, area_stats=stats)
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
    assert pa.loc[TOTAL_AREA_ID, "population"] == pytest.approx(w_w + w_e + 100 * n_w + 50)


def test_solve_site_equals_site(city: City, net: WalkNetwork) -> None:
    from proximity.siting import SiteTask, solve_site

    kw = dict(k=1, threshold_min=5, candidates=["library", "meeting_place"], one_per_area=True)
    a = site(city, net, **kw)
    b = solve_site(SiteTask(**kw), city, net)
    assert a.chosen == b.chosen and a.marginal_gain == b.marginal_gain
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.per_area, b.per_area)
    pd.testing.assert_frame_equal(a.scenarios, b.scenarios)
    assert a.provenance == b.provenance


def test_crowfly_warning_points_at_the_caller(city: City) -> None:
    import warnings

    from proximity.coverage import CrowFlyWarning
    from proximity.siting import SiteTask, solve_site

    for call in (
        lambda: site(city, None, k=1, threshold_min=5, robustness_profiles=None),
        lambda: solve_site(SiteTask(k=1, threshold_min=5, robustness_profiles=None), city),
    ):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            call()
        w = [x for x in rec if issubclass(x.category, CrowFlyWarning)]
        assert len(w) == 1 and w[0].filename == __file__
