"""Siting on real data: the Helsinki demo city (real OSM, network mode) with an independent
networkx recount, and Helsingborg's embedded default in crow-fly mode."""

from __future__ import annotations

import functools
import warnings
from collections import defaultdict

import networkx as nx
import numpy as np
import pytest

from proximity.errors import InfeasibleError
from proximity.siting import site
from proximity.sources.city import TOTAL_AREA_ID


@functools.cache
def _helsinki():
    from _real import helsinki_network

    from proximity.sources import load_city

    try:
        city = load_city("helsinki-demo")
    except Exception as exc:  # pragma: no cover - data module not there yet
        pytest.skip(f"helsinki-demo city not available: {exc}")
    return city, helsinki_network()


@functools.cache
def _helsinki_result():
    city, net = _helsinki()
    return site(
        city, net, k=3, threshold_min=10, candidates=["library", "meeting_place"], time_limit_s=30
    )


@functools.cache
def _helsingborg():
    from proximity.sources import load_city

    return load_city("helsingborg")


# ---------------------------------------------------------------------------- Helsinki


def test_helsinki_three_district_offices() -> None:
    r = _helsinki_result()
    assert r.distance_method == "network"
    assert len(r.chosen) == 3 and len(set(r.chosen)) == 3
    assert all(
        s.startswith("service:library") or s.startswith("service:meeting_place")
        for s in r.per_site["source"]
    )
    # ranked by marginal gain, all positive, adding up to the new coverage
    g = r.marginal_gain
    assert g == sorted(g, reverse=True) and g[-1] > 0
    tot = r.per_area.set_index("area_id").loc[TOTAL_AREA_ID]
    assert tot["covered_after"] - tot["covered_before"] == pytest.approx(sum(g))
    # a reported gap and bound
    assert np.isfinite(r.gap) and 0 <= r.gap <= 1e-6 and r.status == "optimal"
    assert r.bound == pytest.approx(r.objective, rel=1e-6)
    # per-area impact: shares only go up; per-site areas and Gini change are present
    pa = r.per_area[r.per_area["area_id"] != TOTAL_AREA_ID]
    assert (pa["delta_share"] >= -1e-12).all() and pa["delta_share"].max() > 0
    assert r.per_site["areas_served"].str.len().gt(0).all()
    assert r.per_site["gini_coverage_share_change"].notna().all()
    assert r.nonprofit_data_available
    assert r.per_site["nonprofits_n"].ge(0).all()
    assert (r.robustness["share"].between(0, 1)).all()


def _nx_with_points(net, groups):
    """networkx graph of ``net`` with every snapped point inserted on its edge (edge split
    at the projection, partial lengths proportional to the offset) plus its access leg."""
    g = net.to_networkx()
    by_edge: dict[int, list] = defaultdict(list)
    for key, sn in groups.items():
        for i in range(len(sn)):
            if sn.status[i] != "too_far":
                by_edge[int(sn.edge[i])].append(
                    (float(sn.offset_m[i]), (key, i), float(sn.access_m[i]))
                )
    seg = np.hypot(
        net.node_x[net.edge_u] - net.node_x[net.edge_v],
        net.node_y[net.edge_u] - net.node_y[net.edge_v],
    )
    for e, pts in by_edge.items():
        u, v, length = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length_m[e])
        g.remove_edge(u, v)
        pts.sort(key=lambda p: (p[0], p[1]))
        prev, prev_pos = u, 0.0
        for off, node, acc in pts:
            pos = length * (off / seg[e] if seg[e] > 0 else 0.0)
            on = ("on", *node)
            g.add_edge(prev, on, weight=max(pos - prev_pos, 0.0))
            g.add_edge(on, ("pt", *node), weight=acc)
            prev, prev_pos = on, pos
        g.add_edge(prev, v, weight=max(length - prev_pos, 0.0))
    return g


def test_helsinki_first_pick_recount_with_networkx() -> None:
    from proximity.profiles import get_profile
    from proximity.siting.distances import _xy
    from proximity.snap import snap

    city, net = _helsinki()
    r = _helsinki_result()
    prof = get_profile("adult")
    assert not prof.highway_factor  # plain lengths: networkx weights are edge lengths
    cutoff = 10 * 60 * prof.speed_m_s
    dem = city.demand.reset_index(drop=True)
    cand = r.candidates.set_index("candidate_id").loc[[r.chosen[0]]]
    ex = city.services[city.services["category"] == "district_office"].reset_index(drop=True)
    groups = {
        "d": snap(net, _xy(dem), ids=dem["demand_id"].astype(str).tolist(), max_snap_m=300),
        "c": snap(net, _xy(cand), ids=list(cand.index), max_snap_m=300),
    }
    if len(ex):
        groups["e"] = snap(net, _xy(ex), ids=ex["service_id"].astype(str).tolist(), max_snap_m=300)
    g = _nx_with_points(net, groups)

    def within(sources):
        srcs = [s for s in sources if s in g]
        if not srcs:
            return set()
        dist = nx.multi_source_dijkstra_path_length(g, srcs, cutoff=cutoff + 1e-9)
        return {
            n[2]
            for n, d in dist.items()
            if isinstance(n, tuple) and n[0] == "pt" and n[1] == "d" and d <= cutoff + 1e-9
        }

    site_cov = within([("pt", "c", 0)])
    ex_cov = within([("pt", "e", i) for i in range(len(ex))]) if len(ex) else set()
    pop = dem["population"].to_numpy(float)
    newly = float(sum(pop[i] for i in site_cov - ex_cov))
    assert newly > 0
    assert r.marginal_gain[0] == pytest.approx(newly, rel=1e-9)
    assert r.per_site["within_T"].iloc[0] == pytest.approx(
        float(sum(pop[i] for i in site_cov)), rel=1e-9
    )


def test_helsinki_deterministic() -> None:
    city, net = _helsinki()
    a = _helsinki_result()
    b = site(
        city,
        net,
        k=3,
        threshold_min=10,
        candidates=["library", "meeting_place"],
        time_limit_s=30,
        robustness_profiles=None,
    )
    assert a.chosen == b.chosen and a.marginal_gain == b.marginal_gain


# ---------------------------------------------------------------------------- Helsingborg


def _helsingborg_site(**kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        r = site(_helsingborg(), None, **kw)
    return r, rec


def test_helsingborg_five_sites_one_per_area_crowfly() -> None:
    city = _helsingborg()
    r, rec = _helsingborg_site(k=5, one_per_area=True)
    assert any("crowfly×1.3" in str(w.message) for w in rec)
    assert r.distance_method == "crowfly×1.3"
    ps = r.per_site
    assert len(ps) == 5 and ps["area_id"].is_unique
    names = dict(zip(city.areas["area_id"], city.areas["name"], strict=True))
    assert all(names[a] == n for a, n in zip(ps["area_id"], ps["area_name"], strict=True))
    # the area of the existing district office (Planteringen, Södra staden) gets no new one
    ex = city.services[city.services["category"] == "district_office"]
    assert len(ex) >= 1
    ex_area = r.provenance["max_per_area"]
    blocked = {a for a, m in ex_area.items() if m == 0}
    assert blocked and not (set(ps["area_id"]) & blocked)
    # non-profits nearby: Helsingborg has no non-profit data at all, which is not "0 nearby"
    cols = {"nonprofits_n", "nonprofits_names", "nonprofits_label", "nonprofits_label_sv"}
    assert cols | {"nonprofits_note"} <= set(ps.columns)
    if len(city.nonprofits) == 0:
        assert not r.nonprofit_data_available
        assert ps["nonprofits_n"].isna().all()
        assert (ps["nonprofits_label_sv"] == "ingen data om ideella organisationer").all()
        assert (ps["nonprofits_note"] == "ingen data om ideella organisationer").all()
        assert not ps["nonprofits_label"].str.contains("0 non-profit").any()
    else:  # pragma: no cover - if the embedded data ever gains non-profits
        assert r.nonprofit_data_available and ps["nonprofits_n"].ge(0).all()
        assert ps["nonprofits_label"].str.contains("crowfly×1.3").all()
    assert (ps["distance_method"] == "crowfly×1.3").all()
    assert np.isfinite(r.gap)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_helsingborg_split_area_and_at_least() -> None:
    city = _helsingborg()
    # "an office in every area": two areas have no candidate among the city's places ...
    with pytest.raises(
        InfeasibleError, match=r"'centrum_soder', 'nordvastra_staden' require at least one"
    ):
        site(city, None, k=5, one_per_area="at_least", robustness_profiles=None)
    # ... and with a 1 km grid of candidates everywhere, 9 areas without an office need 9 > k
    from proximity.siting import candidates as cands

    grid = cands.combine(cands.from_services(city), cands.from_grid(city, 1000))
    with pytest.raises(InfeasibleError, match=r"need at least 9 new sites .* but k = 5"):
        site(city, None, k=5, candidates=grid, one_per_area="at_least", robustness_profiles=None)
    split = city.split_area("sodra_staden")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = site(split, None, k=5, one_per_area=True, robustness_profiles=None)
    assert len(r.chosen) == 5 and r.per_site["area_id"].is_unique


def test_helsingborg_total_share_matches_coverage() -> None:
    """One report, one municipality share: the siting table's "Hela kommunen" row uses the
    coverage denominator (located + unlocated population, 149,280 in Helsingborg, not the
    131,987 located), and every area row agrees with coverage's area row too."""
    from proximity.coverage import compute_access

    city = _helsingborg()
    assert len(city.unlocated) and (city.unlocated["population"] > 0).any()
    for T in (10, 15):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            acc = compute_access(
                city,
                None,
                categories=["district_office"],
                profiles=("adult",),
                thresholds_min=(T,),
            )
            r = site(city, None, k=5, threshold_min=T, one_per_area=True, robustness_profiles=None)
        cov = acc.areas
        if "group" in cov.columns:
            cov = cov[cov["group"] == "all"]
        cov = cov.set_index("area_id")
        pa = r.per_area.set_index("area_id")
        tot = pa.loc[TOTAL_AREA_ID]
        assert tot["population"] == pytest.approx(city.total_population)
        assert tot["population"] == pytest.approx(cov.loc[TOTAL_AREA_ID, "population"])
        assert tot["share_before"] == pytest.approx(cov.loc[TOTAL_AREA_ID, "covered_share"])
        assert tot["covered_before"] == pytest.approx(cov.loc[TOTAL_AREA_ID, "covered"])
        # the gain is divided by the same denominator
        assert tot["share_after"] - tot["share_before"] == pytest.approx(
            sum(r.marginal_gain) / city.total_population
        )
        for a in city.area_ids:
            assert pa.loc[a, "population"] == pytest.approx(cov.loc[a, "population"])
            assert pa.loc[a, "share_before"] == pytest.approx(cov.loc[a, "covered_share"])
        assert r.provenance["unlocated_municipality_only"] == pytest.approx(
            float(city.unlocated["population"].sum())
        )


def test_total_row_named_as_coverage_names_it() -> None:
    """The siting table's total row carries the same label as coverage's total row: "Hela
    studieområdet" for the Helsinki demo (a study area), "Hela kommunen" for Helsingborg."""
    pa = _helsinki_result().per_area.set_index("area_id")
    assert pa.loc[TOTAL_AREA_ID, "area_name"] == "Hela studieområdet"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = site(_helsingborg(), None, k=2, threshold_min=10, robustness_profiles=None)
    assert r.per_area.set_index("area_id").loc[TOTAL_AREA_ID, "area_name"] == "Hela kommunen"
