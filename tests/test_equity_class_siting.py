"""Need-weighted siting by class in Hisingen (issue 14): weights, weighted demand, the sweep."""

from __future__ import annotations

import pytest

from proximity.equity.class_siting import class_weighted_sweep, class_weights, weighted_city
from proximity.errors import ParameterError
from proximity.sources import load_city


@pytest.fixture(scope="module")
def city():
    return load_city("goteborg")


def test_class_weights() -> None:
    assert class_weights(1) == {1: 1.0, 2: 1.0}  # plain MCLP
    assert class_weights(2) == {1: 2.0, 2: 1.5}  # the example pair of the issue
    assert class_weights(3) == {1: 3.0, 2: 2.0}
    with pytest.raises(ParameterError):
        class_weights(0.5)


def test_weighted_city_scales_only_the_ranked_classes(city) -> None:
    w = weighted_city(city, {1: 2.0, 2: 1.5})
    rank = city.areas.set_index("area_id")["socioek_rank"].astype(str)
    r = city.demand["area_id"].map(rank)
    ratio = (w.demand["population"] / city.demand["population"]).where(
        city.demand["population"] > 0
    )
    assert (ratio[r == "1"].dropna() == 2.0).all()
    assert (ratio[r == "2"].dropna() == 1.5).all()
    assert (ratio[~r.isin(["1", "2"])].dropna() == 1.0).all()
    assert city.demand["population"].sum() == 606_741  # the original is untouched


def test_sweep_in_hisingen(city) -> None:
    df = class_weighted_sweep(city, weights=(1.0, 3.0), k=2)
    assert list(df["run"]) == ["before", "plain MCLP", "need weight 3"]
    assert set(df["distance_method"]) == {"crowfly×1.3"}
    before = df.iloc[0]
    assert before["covered_share"] == 0.0 and before["class_gap_pp"] == 0.0  # no office yet
    hisingen = set(city.areas.loc[city.areas["stadsomrade"] == "Hisingen", "name"])
    for row in df.iloc[1:].itertuples():
        assert set(row.chosen_areas.split(";")) <= hisingen
        assert len(row.chosen.split(";")) == 2
        assert 0 < row.covered_share <= 1
    share_cols = [c for c in df.columns if c.startswith("share[")]
    assert ((df[share_cols] >= 0) & (df[share_cols] <= 1)).all().all()
