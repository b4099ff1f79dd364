"""Checks of a scenario against its city: unknown ids, categories, profiles, area profiles."""

from __future__ import annotations

import pytest
from _scenario import (
    light,
    offline_env_fixture,  # noqa: F401 (pytest fixture)
)

from proximity import scenario as sc
from proximity.errors import ScenarioError


def test_closing_a_service_that_does_not_exist(tmp_path, offline_env):
    p = light(
        tmp_path, '[[interventions]]\ntype = "close_service"\nservice_id = "raa_bibliotek:libary"\n'
    )
    with pytest.raises(ScenarioError) as e:
        sc.run(p, out_dir=tmp_path / "out", quiet=True)
    msg = str(e.value)
    assert "raa_bibliotek:libary" in msg and "Close matches: raa_bibliotek:library" in msg
    assert e.value.row.startswith("line ")
    assert not (tmp_path / "out").exists()
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(".out.")]


@pytest.mark.parametrize(
    ("intervention", "needle"),
    [
        ('type = "split_area"\narea_id = "sodra_stan"', "Close matches: sodra_staden"),
        ('type = "set_speed"\nprofile = "eldery"\nspeed_m_s = 0.9', "Did you mean 'elderly'?"),
        (
            'type = "add_service"\ncategory = "libary"\nname = "a"\nlat = 56.05\nlon = 12.70',
            "Did you mean 'library'?",
        ),
        (
            'type = "add_service"\ncategory = "library"\nname = "a"\nlat = 12.70\nlon = 56.05',
            "outside the study area",
        ),
        (
            'type = "add_service"\ncategory = "library"\nname = "a"\ncandidate_id = "svc:nope"',
            "unknown candidate_id",
        ),
    ],
)
def test_contradictions_against_the_city(tmp_path, offline_env, intervention, needle):
    p = light(tmp_path, "[[interventions]]\n" + intervention + "\n")
    with pytest.raises(ScenarioError) as e:
        sc.compute(p)
    assert needle in str(e.value)


@pytest.mark.parametrize(
    "ids, needle",
    [
        ('["drottninghog"]', "Did you mean 'B022' (Drottninghög)"),
        ('["B02"]', "Did you mean"),
        ('["nordostra_stade"]', "Did you mean 'nordostra_staden'"),
        ('["nowhere_at_all"]', "Ids (areas and subareas)"),
    ],
)
def test_unknown_area_profile_id(tmp_path, offline_env, ids, needle):
    p = light(tmp_path)
    p.write_text(
        p.read_text("utf-8").replace("[outputs]", f"[outputs]\narea_profiles = {ids}"), "utf-8"
    )
    with pytest.raises(ScenarioError) as e:
        sc.run(p, out_dir=tmp_path / "o", quiet=True)
    assert "area_profiles" in str(e.value) and needle in str(e.value)
    assert not (tmp_path / "o").exists()


def test_area_profile_of_a_split_area_names_its_subareas(tmp_path, offline_env):
    p = light(tmp_path, '[[interventions]]\ntype = "split_area"\narea_id = "sodra_staden"\n')
    p.write_text(
        p.read_text("utf-8").replace("[outputs]", '[outputs]\narea_profiles = ["sodra_staden"]'),
        "utf-8",
    )
    with pytest.raises(ScenarioError, match="B071"):
        sc.run(p, out_dir=tmp_path / "o", quiet=True)
