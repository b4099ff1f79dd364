"""Trust (issue 11): :func:`proximity.siting.site` refuses nonsense with an error that says what and how to fix it.

Every case asserts the error class, that the message names the parameter (or the offending
candidate), and that ``err.fix`` is set. Valid-but-unusual requests (a built-in category the
city has no office of yet, a category declared only by the city's data, a CRS spelled
differently) still run.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _siting_city import CRS, X0, Y0, grid_network, synthetic_city, with_city

from proximity.errors import (
    CRSError,
    GeometryError,
    NetworkError,
    ParameterError,
    ProximityError,
    SchemaError,
)
from proximity.network import WalkNetwork
from proximity.siting import SitingProblem, site
from proximity.sources.city import City

pytestmark = pytest.mark.filterwarnings("ignore::proximity.coverage.CrowFlyWarning")


@functools.cache
def _city() -> City:
    return synthetic_city()


@functools.cache
def _net() -> WalkNetwork:
    return grid_network()


def _cands(xs: list[float], ys: list[float], ids: list[str] | None = None) -> gpd.GeoDataFrame:
    ids = ids or [f"c{i}" for i in range(len(xs))]
    return gpd.GeoDataFrame(
        {"candidate_id": ids, "name": ids}, geometry=gpd.points_from_xy(xs, ys), crs=CRS
    )


def _geoms(geoms: list[Any]) -> gpd.GeoDataFrame:
    ids = [f"c{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"candidate_id": ids}, geometry=geoms, crs=CRS)


GOOD = (X0 + 300, Y0 + 300)

# (city, network, keyword arguments) -> the call; each param: id, builder, error, words
Case = Callable[[], tuple[Any, Any, dict[str, Any]]]


def _kw(**kw: Any) -> Case:
    return lambda: (_city(), None, kw)


CASES = [
    pytest.param(
        _kw(category="libary"), ParameterError, ["category", "libary"], id="category-typo"
    ),
    pytest.param(_kw(category="kommunhus"), ParameterError, ["category"], id="category-unknown"),
    pytest.param(_kw(category=""), ParameterError, ["category"], id="category-empty"),
    pytest.param(_kw(k=0), ParameterError, ["k must"], id="k-zero"),
    pytest.param(_kw(k=-2), ParameterError, ["k must"], id="k-negative"),
    pytest.param(_kw(k=2.5), ParameterError, ["k must"], id="k-fraction"),
    pytest.param(_kw(k=True), ParameterError, ["k must"], id="k-bool"),
    pytest.param(_kw(threshold_min=0), ParameterError, ["threshold_min"], id="threshold-zero"),
    pytest.param(_kw(threshold_min=-5), ParameterError, ["threshold_min"], id="threshold-negative"),
    pytest.param(
        _kw(threshold_min=float("nan")), ParameterError, ["threshold_min"], id="threshold-nan"
    ),
    pytest.param(
        _kw(threshold_min=float("inf")), ParameterError, ["threshold_min"], id="threshold-inf"
    ),
    pytest.param(_kw(threshold_min=1e19), ParameterError, ["threshold_min"], id="threshold-1e19"),
    pytest.param(_kw(model="pmedian"), ParameterError, ["model", "pmedian"], id="model-unknown"),
    pytest.param(_kw(solver="gurobi"), ParameterError, ["solver", "gurobi"], id="solver-unknown"),
    pytest.param(
        _kw(robustness_solver="cbc"),
        ParameterError,
        ["robustness_solver"],
        id="robustness-solver-unknown",
    ),
    pytest.param(
        _kw(profile="jogger"), ParameterError, ["profile", "jogger"], id="profile-unknown"
    ),
    pytest.param(_kw(area_level="kommundel"), ParameterError, ["area_level"], id="area-level"),
    pytest.param(_kw(detour_factor=0.5), ParameterError, ["detour_factor"], id="detour-below-1"),
    pytest.param(_kw(time_limit_s=0), ParameterError, ["time_limit_s"], id="time-limit-zero"),
    pytest.param(_kw(max_snap_m=float("nan")), ParameterError, ["max_snap_m"], id="snap-nan"),
    pytest.param(
        _kw(robustness_thresholds_min=[10, -5]),
        ParameterError,
        ["robustness_thresholds_min"],
        id="robustness-threshold-negative",
    ),
    pytest.param(
        _kw(min_per_area={"Wst": 1}), ParameterError, ["min_per_area", "Wst"], id="area-unknown"
    ),
    pytest.param(
        _kw(max_per_area={"W": -1}), ParameterError, ["max_per_area"], id="area-bound-negative"
    ),
    pytest.param(
        _kw(candidate_areas="W"), ParameterError, ["candidate_areas"], id="candidate-areas-str"
    ),
    pytest.param(_kw(fixed="svc:s0"), ParameterError, ["fixed"], id="fixed-str"),
    pytest.param(
        _kw(candidates=_cands([GOOD[0], np.nan], [GOOD[1], Y0 + 5])),
        GeometryError,
        ["candidate", "'c1'", "NaN"],
        id="candidate-nan",
    ),
    pytest.param(
        _kw(candidates=_cands([GOOD[0], np.inf], [GOOD[1], Y0 + 5])),
        GeometryError,
        ["candidate", "'c1'"],
        id="candidate-inf",
    ),
    pytest.param(
        _kw(candidates=_geoms([shapely.Point(GOOD), shapely.Point()])),
        GeometryError,
        ["candidate", "'c1'", "empty"],
        id="candidate-empty",
    ),
    pytest.param(
        _kw(candidates=_geoms([shapely.Point(GOOD), None])),
        GeometryError,
        ["candidate", "'c1'"],
        id="candidate-no-geometry",
    ),
    pytest.param(
        _kw(candidates=_cands([GOOD[0], X0 + 90_000], [GOOD[1], Y0])),
        GeometryError,
        ["candidate", "outside the study area", "c1"],
        id="candidate-outside",
    ),
    pytest.param(
        _kw(candidates=_cands([GOOD[0], X0 + 500], [GOOD[1], Y0 + 5], ids=["a", "a"])),
        SchemaError,
        ["candidate ids", "'a'"],
        id="candidate-duplicate-ids",
    ),
    pytest.param(
        lambda: (_city(), dataclasses.replace(_net(), crs="EPSG:3857"), {}),
        CRSError,
        ["network", "EPSG:3857", "EPSG:3006"],
        id="network-crs-mismatch",
    ),
    pytest.param(
        lambda: (_city(), dataclasses.replace(_net(), node_x=_net().node_x + 1e6), {}),
        NetworkError,
        ["network", "does not overlap", "1360000", "359950"],
        id="network-elsewhere",
    ),
    pytest.param(lambda: (None, None, {}), ParameterError, ["city", "NoneType"], id="city-none"),
    pytest.param(lambda: (object(), None, {}), ParameterError, ["city"], id="city-object"),
    pytest.param(
        lambda: (_city().areas, None, {}), ParameterError, ["city", "GeoDataFrame"], id="city-gdf"
    ),
]


@pytest.mark.parametrize(("case", "error", "words"), CASES)
def test_site_rejects(case: Case, error: type[ProximityError], words: list[str]) -> None:
    city, network, kw = case()
    kw = {"k": 1, "robustness_profiles": None, **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the crow-fly warning
        with pytest.raises(error) as ei:
            site(city, network, **kw)
    err = ei.value
    assert type(err) is error
    for w in words:
        assert w in err.message, (w, err.message)
    assert err.fix, "every siting error says how to fix it"


def test_category_typo_suggests_the_close_name() -> None:
    with pytest.raises(ParameterError) as ei:
        site(_city(), category="libary", k=1, robustness_profiles=None)
    assert "Did you mean 'library'?" in ei.value.fix


def test_geometry_error_names_the_row() -> None:
    with pytest.raises(GeometryError) as ei:
        site(
            _city(),
            k=1,
            candidates=_cands([GOOD[0], np.nan], [GOOD[1], Y0]),
            robustness_profiles=None,
        )
    assert ei.value.row == "c1"


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        pytest.param({"k": 1.5}, ["k must"], id="problem-k-fraction"),
        pytest.param({"time_min": [[np.nan], [1.0]]}, ["time_min", "NaN"], id="problem-time-nan"),
        pytest.param(
            {"time_min": [[-1.0], [1.0]]}, ["time_min", "negative"], id="problem-time-neg"
        ),
        pytest.param(
            {"existing_time_min": [np.nan]}, ["existing_time_min"], id="problem-existing-nan"
        ),
    ],
)
def test_problem_rejects(kw: dict, words: list[str]) -> None:
    base = dict(
        demand_weight=[1.0],
        demand_area=["A"],
        candidate_ids=["p", "q"],
        candidate_area=["A", "A"],
        cover=np.array([[True], [False]]),
        k=1,
    )
    with pytest.raises(ParameterError) as ei:
        SitingProblem(**{**base, **kw})
    for w in words:
        assert w in ei.value.message
    assert ei.value.fix


# ---------------------------------------------------------------- still accepted
def test_builtin_category_without_an_office_yet_is_valid() -> None:
    assert "youth_centre" not in set(_city().services["category"])
    r = site(_city(), None, category="youth_centre", k=1, robustness_profiles=None)
    assert r.category == "youth_centre" and len(r.chosen) == 1


def test_category_declared_by_the_city_is_valid() -> None:
    city = _city()
    svc = city.services
    extra = svc.iloc[[0]].assign(service_id="x1", category="family_centre")
    custom = with_city(city, services=gpd.GeoDataFrame(pd.concat([svc, extra]), crs=CRS))
    r = site(custom, None, category="family_centre", k=1, robustness_profiles=None)
    assert r.category == "family_centre"
    # declared only among the services without a location: a new kind of office
    unl = pd.DataFrame(
        {
            "service_id": ["u1"],
            "name": ["Planned"],
            "category": ["family_centre"],
            "reason": ["no address"],
            "source": ["test"],
        }
    )
    planned = with_city(city, services_unlocated=unl)
    r = site(planned, None, category="family_centre", k=1, robustness_profiles=None)
    assert r.category == "family_centre"


def test_same_crs_spelled_differently_is_accepted() -> None:
    net = dataclasses.replace(_net(), crs="epsg:3006")
    r = site(_city(), net, k=1, threshold_min=5, robustness_profiles=None)
    assert r.distance_method == "network"


def test_given_candidates_within_1km_of_an_area_are_kept() -> None:
    # just outside the 2 km square (coastline tolerance): assigned to the nearest area
    cands = _cands([X0 - 400, GOOD[0]], [Y0 + 500, GOOD[1]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = site(_city(), k=2, candidates=cands, robustness_profiles=None)
    assert sorted(r.chosen) == ["c0", "c1"]
