"""Interventions change the city and the numbers."""

from __future__ import annotations

import numpy as np
import pytest
from _scenario import (
    SCENARIOS,
    light,
    offline_env_fixture,  # noqa: F401 (pytest fixture)
)

from proximity import scenario as sc
from proximity.errors import ScenarioError


def test_interventions_change_the_numbers(tmp_path, offline_env):
    base = sc.compute(light(tmp_path))
    slow = sc.compute(
        light(
            tmp_path,
            '[[interventions]]\ntype = "set_speed"\nprofile = "adult"\nspeed_m_s = 0.5\n',
            "slow.toml",
        )
    )
    from proximity.profiles import get_profile

    pa, pb = base.access.points, slow.access.points
    sel = (pa.profile == "adult") & np.isfinite(pa.minutes) & (pa.minutes > 0)
    ratio = pb[sel].minutes.to_numpy() / pa[sel].minutes.to_numpy()
    assert np.allclose(ratio, get_profile("adult").speed_m_s / 0.5)

    closed = sc.compute(
        light(
            tmp_path,
            '[[interventions]]\ntype = "close_service"\nservice_id = "raa_bibliotek:library"\n',
            "closed.toml",
        )
    )
    assert "raa_bibliotek:library" not in set(closed.city.services["service_id"])
    with pytest.raises(ScenarioError, match="leaves no service of category 'district_office'"):
        sc.compute(
            light(
                tmp_path,
                '[[interventions]]\ntype = "close_service"\n'
                'service_id = "plantera:district_office"\n',
                "none.toml",
            )
        )

    added = sc.compute(
        light(
            tmp_path,
            '[[interventions]]\ntype = "add_service"\n'
            'category = "district_office"\nname = "Nytt kontor"\n'
            'candidate_id = "svc:idea_drottninghog:library"\n',
            "added.toml",
        )
    )
    svc = added.city.services
    new = svc[svc["category"] == "district_office"]
    assert len(new) == 2 and (new["location_quality"] == "scenario").sum() == 1

    def covered(res):
        a = res.access.areas
        return a[
            (a.area_id == "__total__")
            & (a.category == "district_office")
            & (a.profile == "adult")
            & (a.threshold_min == 15)
            & (a.group == "all")
        ]["covered"].iloc[0]

    assert covered(added) > covered(base)


def test_punktinsats_raises_drottninghog_coverage(tmp_path, offline_env):
    base = sc.compute(light(tmp_path))
    res = sc.compute(SCENARIOS / "helsingborg-punktinsats.toml", banner=False)
    assert res.baseline is not None

    def share(access, area):
        a = access.areas
        return a[
            (a.area_id == area)
            & (a.category == "district_office")
            & (a.profile == "adult")
            & (a.threshold_min == 10)
            & (a.group == "all")
        ]["covered_share"].iloc[0]

    assert share(res.access, "nordostra_staden") > share(base.access, "nordostra_staden")
    assert share(res.baseline.access, "nordostra_staden") == share(base.access, "nordostra_staden")
