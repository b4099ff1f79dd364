"""The group-equity scenario keys (issue 14): [equity], candidate_areas, [siting.need_weights].

Parsing errors name the key and the fix; the values are checked against Göteborg's areas.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from proximity.errors import ScenarioError
from proximity.scenario import check_against_city, load_scenario
from proximity.scenario.equity_run import candidate_area_ids, group_specs
from proximity.sources import load_city

HEAD = 'schema = 1\nname = "t"\ncity = "goteborg"\n'
SITING = '[siting]\nk = 2\ncategory = "citizen_service"\ncandidates = "grid:500"\n'
WEIGHTS = (
    '[siting.need_weights]\ncolumn = "socioek_klass"\n'
    'weights = { "Områden med stora socioekonomiska utmaningar" = 2.0, '
    '"Områden med socioekonomiska utmaningar" = 1.5 }\nsweep = [1, 1.5, 2, 3]\n'
)
EQUITY = (
    '[equity]\ngroups = ["socioek_klass", "stadsomrade"]\n'
    'rank_columns = { socioek_klass = "socioek_rank" }\n'
    "[equity.named_groups.norra_hisingen]\n"
    'mellanomrade = ["Backa", "Kärra-Rödbo", "Tuve-Säve"]\nlabel = "Norra Hisingen"\n'
)


@pytest.fixture(scope="module")
def city():
    return load_city("goteborg")


def _load(tmp_path: Path, body: str):
    p = tmp_path / "t.toml"
    p.write_text(HEAD + body, encoding="utf-8")
    return load_scenario(p)


def _error(tmp_path: Path, body: str, city=None) -> ScenarioError:
    with pytest.raises(ScenarioError) as exc:
        s = _load(tmp_path, body)
        if city is not None:
            check_against_city(s, city)
    return exc.value


def test_the_keys_parse(tmp_path: Path, city) -> None:
    s = _load(
        tmp_path, SITING + 'candidate_areas = { stadsomrade = "Hisingen" }\n' + WEIGHTS + EQUITY
    )
    check_against_city(s, city)
    assert s.siting.candidate_areas == (("stadsomrade", ("Hisingen",)),)
    nw = s.siting.need_weights
    assert nw.scales == (1.0, 1.5, 2.0, 3.0)
    # at scale 3: the class with the highest weight (2.0) counts 3, the other 1 + 2 x 0.5 / 1
    assert nw.scaled(3) == {
        "Områden med stora socioekonomiska utmaningar": 3.0,
        "Områden med socioekonomiska utmaningar": 2.0,
    }
    assert nw.scaled(1) == dict.fromkeys(nw.scaled(1), 1.0)
    assert len(candidate_area_ids(s.siting, city.areas)) == 24
    specs = {g.name: g for g in group_specs(s.equity)}
    assert specs["socioek_klass"].rank_column == "socioek_rank"
    assert specs["stadsomrade"].rank_column is None
    assert specs["norra_hisingen"].members == {
        "Norra Hisingen": ("Backa", "Kärra-Rödbo", "Tuve-Säve")
    }
    assert specs["norra_hisingen"].rest == "Övriga"
    assert "equity" in s.to_dict() and "need_weights" in s.to_dict()["siting"]


def test_stated_weights_join_the_sweep(tmp_path: Path) -> None:
    body = SITING + WEIGHTS.replace("sweep = [1, 1.5, 2, 3]\n", "sweep = [3]\n")
    assert _load(tmp_path, body).siting.need_weights.scales == (1.0, 2.0, 3.0)


def test_scenarios_without_the_keys_record_nothing_new(tmp_path: Path) -> None:
    d = _load(tmp_path, SITING).to_dict()
    assert "equity" not in d
    assert "candidate_areas" not in d["siting"] and "need_weights" not in d["siting"]


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ('[equity]\ngroup = ["socioek_klass"]\n', "equity.group", "Did you mean 'groups'"),
        ("[equity]\n", "equity", "names no grouping"),
        (
            '[equity]\ngroups = ["stadsomrade"]\nrank_columns = { socioek_klass = "socioek_rank" }\n',
            "equity.rank_columns",
            "not in groups",
        ),
        (
            '[equity.named_groups.nh]\nmellanomrade = ["Backa"]\nstadsomrade = ["Hisingen"]\n',
            "equity.named_groups.nh",
            "exactly one area attribute",
        ),
        (
            '[equity.named_groups.NH]\nmellanomrade = ["Backa"]\n',
            "equity.named_groups.NH",
            "lower-case",
        ),
        (SITING + "candidate_areas = {}\n", "siting.candidate_areas", "is empty"),
        (SITING + 'candidate_areas = "Hisingen"\n', "siting.candidate_areas", "must be a table"),
        (
            SITING + '[siting.need_weights]\ncolumn = "socioek_klass"\nweights = { "x" = 1.0 }\n',
            "siting.need_weights.weights",
            "no value a weight above 1",
        ),
        (
            SITING + '[siting.need_weights]\ncolumn = "socioek_klass"\nweights = { "x" = 0.5 }\n',
            "siting.need_weights.x",
            "from 1 to 100",
        ),
        (
            SITING + WEIGHTS.replace("sweep = [1, 1.5, 2, 3]", "sweep = [0.5, 2]"),
            "siting.need_weights.sweep",
            "from 1 to 100",
        ),
        (
            SITING + '[siting.need_weights]\ncolumn = "socioek_klass"\n',
            "siting.need_weights",
            "Missing required key 'weights'",
        ),
        (
            SITING + WEIGHTS.replace("sweep =", "sweeps ="),
            "siting.need_weights.sweeps",
            "Did you mean 'sweep'",
        ),
    ],
)
def test_parse_errors_name_key_and_fix(tmp_path: Path, body: str, key: str, words: str) -> None:
    err = _error(tmp_path, body)
    text = str(err)
    assert words in text
    assert f"key '{key}'" in text and "line " in text
    assert err.fix


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ('[equity]\ngroups = ["stadsomraden"]\n', "equity.groups", "Did you mean 'stadsomrade'"),
        (
            '[equity]\ngroups = ["stadsomrade"]\n',
            None,
            None,
        ),
        (
            '[equity]\ngroups = ["socioek_klass"]\nrank_columns = { socioek_klass = "socioek_klass" }\n',
            "equity.rank_columns.socioek_klass",
            "must hold numbers",
        ),
        (
            '[equity.named_groups.nh]\nmellanomrade = ["Backa", "Kära-Rödbo"]\n',
            "equity.named_groups.nh.mellanomrade",
            "Did you mean 'Kärra-Rödbo'",
        ),
        (
            SITING + 'candidate_areas = { stadsomrade = "Hissingen" }\n',
            "siting.candidate_areas.stadsomrade",
            "Did you mean 'Hisingen'",
        ),
        (
            SITING + 'candidate_areas = { stadsdel = "Hisingen" }\n',
            "siting.candidate_areas.stadsdel",
            "Area attributes of this city",
        ),
        (
            SITING
            + '[siting.need_weights]\ncolumn = "socioek_klass"\n'
            + 'weights = { "Områden med stora utmaningar" = 2.0 }\n',
            "siting.need_weights.weights",
            "no area has socioek_klass",
        ),
    ],
)
def test_city_errors_name_key_and_values(
    tmp_path: Path, city, body: str, key: str | None, words: str | None
) -> None:
    if key is None:  # the control: a valid grouping passes
        check_against_city(_load(tmp_path, body), city)
        return
    err = _error(tmp_path, body, city)
    assert words in str(err) and f"key '{key}'" in str(err)
    assert err.fix
