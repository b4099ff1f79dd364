"""Population groups in the area tables (issue 12, part 5): every ``pop_<group>`` column of
the demand and a local file's extra group columns (``[demand] group_cols``) are groups, and
the area rows of each group are rebuilt here from the per-point table."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _sources import own_city

from proximity.coverage import compute_access
from proximity.errors import SchemaError
from proximity.sources import load_city
from proximity.sources.city import TOTAL_AREA_ID

AGES = ["0_19", "20_64", "65_79", "80_plus", "65_plus", "75_plus"]


def _city_with_groups(tmp_path, group_cols='["men", "women"]'):
    toml = own_city(tmp_path)
    pop = pd.read_csv(tmp_path / "befolkning.csv")
    n = pop["invanare"].to_numpy()
    young, adult = n // 4, n // 2
    old = n - young - adult
    pop = pop.assign(
        pop_0_19=young,
        pop_20_64=adult,
        pop_65_79=old - 1,
        pop_80_plus=1,
        pop_65_plus=old,
        pop_75_plus=[2, 3, 1],
        men=n // 2,
        women=n - n // 2,
        floor_area_m2=[100.0, 200.0, 50.0],  # numeric, but not a group
    )
    pop.to_csv(tmp_path / "befolkning.csv", index=False)
    text = toml.read_text(encoding="utf-8").replace(
        "year = 2024\n", f"year = 2024\ngroup_cols = {group_cols}\n"
    )
    toml.write_text(text, encoding="utf-8")
    return load_city(toml, cache=False)


def rebuild_from_points(access, threshold_min, groups):
    """Covered and population per area × category × profile × group from the points."""
    pts = access.points.copy()
    pts["area_id"] = pts["area_id"].astype(str)
    rows = []
    for g in groups:
        col = "population" if g == "all" else (f"pop_{g}" if f"pop_{g}" in pts else g)
        w = pts[col].astype(float)
        cov = w.where(pts["minutes"] <= threshold_min, 0.0)
        for frame in (pts, pts.assign(area_id=TOTAL_AREA_ID)):  # the areas, then the total
            keys = [frame["area_id"], frame["category"].astype(str), frame["profile"].astype(str)]
            got = pd.DataFrame(
                {"covered": cov.groupby(keys).sum(), "located": w.groupby(keys).sum()}
            )
            rows.append(got.assign(group=g))
    out = pd.concat(rows).reset_index()
    out.columns = ["area_id", "category", "profile", "covered", "located", "group"]
    return out.set_index(["area_id", "category", "profile", "group"]).sort_index()


def _compute(city, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compute_access(city, None, profiles=["adult", "elderly"], **kw)


def test_every_group_of_the_demand_is_in_the_area_table(tmp_path):
    city = _city_with_groups(tmp_path)
    acc = _compute(city, thresholds_min=[10, 60])
    assert list(acc.groups) == ["all", *AGES, "men", "women"]
    assert list(acc.areas["group"].unique()) == list(acc.groups)
    assert {f"pop_{g}" for g in AGES} | {"men", "women"} <= set(acc.points.columns)
    assert "floor_area_m2" not in acc.points.columns
    assert acc.provenance["age_groups"] == [*AGES, "men", "women"]
    assert city.provenance["group_columns"] == ["men", "women"]


@pytest.mark.parametrize("threshold", [10, 60])
def test_the_group_rows_are_rebuilt_from_the_per_point_table(tmp_path, threshold):
    acc = _compute(_city_with_groups(tmp_path), thresholds_min=[10, 60])
    expect = rebuild_from_points(acc, threshold, acc.groups)
    a = acc.areas[acc.areas["threshold_min"] == threshold]
    got = a.set_index(["area_id", "category", "profile", "group"]).sort_index()
    got = got.loc[expect.index]
    np.testing.assert_allclose(got["covered"].to_numpy(), expect["covered"].to_numpy())
    located = got["population"] - got["unlocated"]
    np.testing.assert_allclose(located.to_numpy(), expect["located"].to_numpy())
    # the sum rule of the bundle groups: 65+ = 65–79 + 80+
    tot = a[a["area_id"] == TOTAL_AREA_ID].set_index(["category", "profile", "group"])
    s = tot["population"].unstack("group")
    np.testing.assert_allclose(s["65_plus"], s["65_79"] + s["80_plus"])
    np.testing.assert_allclose(s["men"] + s["women"], s["all"])


def test_a_group_column_the_file_lacks_is_refused(tmp_path):
    with pytest.raises(SchemaError, match="group_cols names 'kvinnor'"):
        _city_with_groups(tmp_path, group_cols='["men", "kvinnor"]')


def test_without_group_columns_only_all_is_reported(tmp_path):
    city = load_city(own_city(tmp_path), cache=False)
    acc = _compute(city, thresholds_min=[10])
    assert acc.groups == ("all",) and acc.provenance["age_groups"] == "no age data"
