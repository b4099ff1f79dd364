"""Non-profits near the chosen sites and their labels (proximity.siting.nonprofits)."""

from __future__ import annotations

import pytest
from _siting_city import grid_network, synthetic_city, with_city

from proximity.network import WalkNetwork
from proximity.siting import site
from proximity.sources.city import City


@pytest.fixture(scope="module")
def city() -> City:
    return synthetic_city()


@pytest.fixture(scope="module")
def net() -> WalkNetwork:
    return grid_network()


def test_nonprofits_no_data_is_not_zero(city: City, net: WalkNetwork) -> None:
    """A city without any non-profit data: NaN count and "ingen data", never "0 nearby"."""
    empty = city.nonprofits.iloc[0:0]
    for orgs in (empty, None):
        r = site(
            with_city(city, nonprofits=orgs), net, k=2, threshold_min=5, robustness_profiles=None
        )
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
    r = site(with_city(city, nonprofits=far), net, k=2, threshold_min=5, robustness_profiles=None)
    ps = r.per_site
    assert r.nonprofit_data_available
    assert (ps["nonprofits_n"] == 0).all() and ps["nonprofits_n"].notna().all()
    assert (ps["nonprofits_label_sv"] == "inga inom 5 min").all()
    assert (ps["nonprofits_label_en"] == "none within 5 min").all()
    assert (ps["nonprofits_note"] == "").all()
    assert ps["nonprofits_label"].str.startswith("0 non-profit(s) within 5 min").all()


def test_nonprofits_label_sv_wording() -> None:
    from proximity.siting import api
    from proximity.siting.nonprofits import nonprofits_label_en, nonprofits_label_sv

    # the public names keep working from proximity.siting.api
    assert api.nonprofits_label_sv is nonprofits_label_sv
    assert api.nonprofits_label_en is nonprofits_label_en

    assert nonprofits_label_sv(0, 10) == "inga inom 10 min"
    assert nonprofits_label_sv(1, 10) == "1 ideell organisation inom 10 min"
    assert nonprofits_label_sv(3, 7.5) == "3 ideella organisationer inom 7.5 min"
    assert nonprofits_label_en(0, 10) == "none within 10 min"
    assert nonprofits_label_en(1, 10) == "1 non-profit within 10 min"
    assert nonprofits_label_en(2, 10) == "2 non-profits within 10 min"
