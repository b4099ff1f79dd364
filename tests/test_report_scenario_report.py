"""Tests of proximity.report.scenario_report (write_report) on synthetic report_inputs and real cities."""

from __future__ import annotations

import re

import _maps_common as mc
import numpy as np
import pytest

from proximity.errors import ParameterError
from proximity.report import area_profile, write_report
from proximity.sources.city import TOTAL_AREA_ID


@pytest.fixture(scope="module")
def report(report_inputs, tmp_path_factory):
    return mc.default_report(report_inputs, tmp_path_factory.mktemp("report"))


def test_files_created(report):
    folder, paths = report
    assert set(paths) == {
        "report.md",
        "report.html",
        "report_map.png",
        "report_coverage.png",
        "report_lorenz.png",
    }
    assert sorted(p.name for p in folder.iterdir()) == sorted(paths)
    md = paths["report.md"].read_text("utf-8")
    page = paths["report.html"].read_text("utf-8")
    assert "![" in md and "(report_coverage.png)" in md and "(report_lorenz.png)" in md
    assert "(report_map.png)" in md
    assert page.count("data:image/png;base64,") == 3
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=['\"]https?:", page)
    for p in ("report_map.png", "report_coverage.png", "report_lorenz.png"):
        assert paths[p].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for heading in (
        "Vad betyder detta?",
        "Täckning per område",
        "Lorenzkurva",
        "Föreslagna stadsdelskontor",
        "Metod och data",
    ):
        assert heading in md and heading in page
    assert "fågelvägsavstånd × 1,3 (uppskattning)" in md
    assert "© OpenStreetMap-bidragsgivare, ODbL" in md


def test_table_matches_access(report, report_inputs):
    _, paths = report
    md = paths["report.md"].read_text("utf-8")
    rows = mc.table(md, "Område")
    ref = mc.rows(report_inputs["access"])
    base = mc.rows(report_inputs["baseline"])
    names = dict(
        zip(report_inputs["city"].areas.area_id, report_inputs["city"].areas.name, strict=True)
    )
    by_name = {names.get(a, "Hela kommunen" if a == TOTAL_AREA_ID else a): a for a in ref.index}
    assert len(rows) == 5  # four areas + the municipality
    for cells in rows:
        aid = by_name[cells[0]]
        r = ref.loc[aid]
        assert mc.num(cells[1]) == r.population
        assert mc.num(cells[2]) == r.covered
        assert mc.num(cells[3]) == r.population - r.covered
        assert mc.num(cells[4]) == pytest.approx(100 * r.covered_share, abs=0.05)
        assert mc.num(cells[5]) == pytest.approx(r.mean_min, abs=0.05)
        change = 100 * (r.covered_share - base.loc[aid].covered_share)
        assert mc.num(cells[6]) == pytest.approx(change, abs=0.05)


def test_paragraph_numbers(report, report_inputs):
    _, paths = report
    md = paths["report.md"].read_text("utf-8")
    para = md.split("## Vad betyder detta?")[1].split("##")[0].replace(mc.NBSP, " ")
    total = mc.rows(report_inputs["access"]).loc[TOTAL_AREA_ID]
    fmt = lambda v: f"{int(v):,d}".replace(",", " ")  # noqa: E731
    assert f"bor {fmt(total.population)} invånare" in para
    share = f"{100 * total.covered_share:.1f}".replace(".", ",")
    assert f"{fmt(total.covered)} av dem ({share} %)" in para
    assert f"{fmt(total.population - total.covered)} invånare har det inte" in para
    # lowest / highest share areas (ties listed together)
    areas = mc.rows(report_inputs["access"]).drop(index=TOTAL_AREA_ID)
    low = areas[np.isclose(areas.covered_share, areas.covered_share.min())]
    names = dict(
        zip(report_inputs["city"].areas.area_id, report_inputs["city"].areas.name, strict=True)
    )
    for aid in low.index:
        assert names[aid] in para.split("högst har")[0].split("Lägst andel har")[1]
    lacking = int((low.population - low.covered).sum())
    assert f"{fmt(lacking)} invånare utan tillgång där" in para
    high = areas.covered_share.idxmax()
    assert f"högst har {names[high]}" in para
    # unlocated, siting
    assert f"{fmt(total.unlocated)} invånare saknar känt läge" in para
    s = report_inputs["siting"]
    assert "(stadsdelskontor inom 10 minuters gång)" in para
    assert (
        f"förslag nr 1 ({s.per_site['name'][0]}) ge {fmt(s.marginal_gain[0])} nya täckta invånare"
        in para
    )
    assert f"alla {len(s.chosen)} förslag tillsammans ge {fmt(sum(s.marginal_gain))}" in para
    # every number in the paragraph comes from the tables (no invented figures)
    numbers = set(re.findall(r"\d[\d ]*(?:,\d+)?", para))
    table_text = md.replace(mc.NBSP, " ")
    allowed = {"1", "3", "10", "1,3"}
    for n in numbers:
        assert n.strip() in allowed or n.strip() in table_text, n


def test_sites_table(report, report_inputs):
    _, paths = report
    md = paths["report.md"].read_text("utf-8")
    rows = mc.table(md, "Rang")
    s = report_inputs["siting"]
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert rows[0][1] == "Föreslaget stadsdelskontor nr 1"
    assert [r[2] for r in rows] == list(s.per_site["name"])
    assert [r[3] for r in rows] == s.chosen
    assert [r[4] for r in rows] == ["Öster", "Söder", "Väster"]
    assert [mc.num(r[5]) for r in rows] == s.marginal_gain
    assert [mc.num(r[6]) for r in rows] == list(np.cumsum(s.marginal_gain))
    assert rows[0][7] == "Öster +100, Norr +20"
    assert "Röda Korset" in rows[0][8]
    effect = mc.table(md, "Område", nth=1)  # the siting effect per area
    assert [r[0] for r in effect] == ["Norr", "Öster", "Söder", "Väster", "Hela kommunen"]
    pa = s.per_area.set_index("area_id")
    assert mc.num(effect[1][1]) == pytest.approx(100 * pa.loc["A2", "share_before"], abs=0.05)
    assert mc.num(effect[1][2]) == pytest.approx(100 * pa.loc["A2", "share_after"], abs=0.05)


def test_persons_report_says_invanare_and_has_no_proxy_flag(report):
    _, paths = report
    md = paths["report.md"].read_text("utf-8")
    assert "invånare" in md and "| Område | Befolkning | Täckta |" in md
    assert "bostadsyta" not in md.lower() and mc.PROXY_FLAG not in md


def test_floor_area_proxy_report_and_area_profile(report_inputs, tmp_path):
    """Demand flagged population_is_proxy: counts are m² floor area, shares lead, the flag
    line is in the summary and in "Metod och data", and nothing counts "invånare"."""
    import dataclasses

    city = dataclasses.replace(
        report_inputs["city"], demand=report_inputs["city"].demand.assign(population_is_proxy=True)
    )
    paths = write_report(
        tmp_path,
        city,
        report_inputs["access"],
        report_inputs["siting"],
        category="library",
        threshold_min=10,
        baseline=report_inputs["baseline"],
    )
    md = paths["report.md"].read_text("utf-8")
    page = paths["report.html"].read_text("utf-8")
    assert "invånare" not in md.lower() and "invånare" not in page.lower()
    assert f"> **⚠ {mc.PROXY_FLAG}" in md
    method = md[md.index("## Metod och data") :]
    assert f"- ⚠ {mc.PROXY_FLAG}" in method
    assert "Räkneregel (i m² bostadsyta)" in method
    header = (
        "| Område | Andel täckt bostadsyta | Bostadsyta (m², proxy för befolkning) | "
        "Täckt bostadsyta (m²) | Ej täckt bostadsyta (m²) |"
    )
    assert header in md
    total = mc.table(md, "Område")[-1]  # numbers unchanged, only relabelled and reordered
    sel = mc.rows(report_inputs["access"])
    assert total[0] == "Hela kommunen"
    assert mc.num(total[2]) == pytest.approx(sel.loc[TOTAL_AREA_ID, "population"], abs=0.5)
    assert mc.num(total[1]) == pytest.approx(
        100 * sel.loc[TOTAL_AREA_ID, "covered_share"], abs=0.05
    )
    assert "Ny täckt bostadsyta (m², proxy för befolkning)" in md
    assert "av bostadsytan i" in md  # the summary leads with the share
    prof = area_profile(tmp_path, city, report_inputs["access"], "A2", report_inputs["siting"])
    text = prof["omrade_A2.md"].read_text("utf-8")
    pop = mc.rows(report_inputs["access"]).loc["A2"].population
    assert (
        "Bostadsyta (m², proxy för befolkning): " + f"{int(pop):,d}".replace(",", mc.NBSP) in text
    )
    assert "invånare" not in text.lower() and mc.PROXY_FLAG in text


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        (
            {"category": "swimming_pool", "threshold_min": 10, "profile": "adult"},
            "Available categories",
        ),
        ({"category": "library", "threshold_min": 10, "profile": "winter"}, "Available profiles"),
        ({"category": "library", "threshold_min": 7, "profile": "adult"}, "Available thresholds"),
    ],
)
def test_bad_parameters_leave_nothing(report_inputs, tmp_path, kwargs, needle):
    with pytest.raises(ParameterError, match=needle):
        write_report(tmp_path, report_inputs["city"], report_inputs["access"], **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_empty_result(report_inputs, tmp_path):
    syn = mc.synthetic()
    acc = syn.make_access(report_inputs["city"])
    acc.areas = acc.areas.iloc[0:0]
    with pytest.raises(ParameterError, match="empty"):
        write_report(tmp_path, report_inputs["city"], acc, category="library", threshold_min=10)
    with pytest.raises(ParameterError, match="empty"):
        area_profile(tmp_path, report_inputs["city"], acc, "A1")
    assert list(tmp_path.iterdir()) == []


def test_paragraph_says_coverage_is_underestimated(report, report_inputs, tmp_path):
    _, paths = report
    para = mc.section(paths["report.md"].read_text("utf-8"), "Vad betyder detta?")
    assert (
        "Täckningen är underskattad: 2 kända tjänster i kategorin bibliotek "
        "(Bokbussen och Huvudbiblioteket) saknar läge i underlaget" in para
    )
    # a category without unlocated services gets no such sentence
    md = mc.write(tmp_path, report_inputs, category="health_centre")
    assert "underskattad" not in mc.section(md, "Vad betyder detta?")


def test_site_table_nonprofits_never_claim_absence_without_data(report_inputs, tmp_path):
    import dataclasses

    import pandas as pd

    no_orgs = dataclasses.replace(
        report_inputs["city"], nonprofits=report_inputs["city"].nonprofits.iloc[0:0]
    )
    siting = dataclasses.replace(report_inputs["siting"], nonprofits=pd.DataFrame())
    md = mc.write(tmp_path / "a", report_inputs, city=no_orgs, siting=siting)
    rows = mc.table(md, "Rang")
    assert [r[8] for r in rows] == ["ingen data om ideella organisationer"] * 3
    assert "Ideella organisationer: ingen data i underlaget." in mc.section(
        md, "Kända luckor i data"
    )
    # the siting result's own label wins
    labelled = dataclasses.replace(
        siting,
        per_site=siting.per_site.assign(
            nonprofits_label_sv=["ingen data om ideella organisationer", "inga inom 10 min", ""]
        ),
    )
    rows = mc.table(mc.write(tmp_path / "b", report_inputs, city=no_orgs, siting=labelled), "Rang")
    assert [r[8] for r in rows] == [
        "ingen data om ideella organisationer",
        "inga inom 10 min",
        "ingen data om ideella organisationer",
    ]


def test_site_table_gini_of_coverage_share(report, report_inputs, tmp_path):
    import dataclasses

    _, paths = report
    md = paths["report.md"].read_text("utf-8")
    header = next(ln for ln in md.splitlines() if ln.startswith("| Rang |"))
    assert "Gini för täckningsandel mellan områden (före → efter)" in header
    rows = mc.table(md, "Rang")
    assert rows[0][9] == "0,420 → 0,310 (-0,110)"
    assert "0,420 utan förslagen, 0,150 med alla förslag" in md
    # each inequality measure named by what it measures, with the better direction
    assert "Ojämlikhet i gångtid (Gini-koefficient för gångtiden" in md
    assert "Ojämlikhet i andel som når en tjänst mellan områden" in md
    assert md.count("lägre är jämlikare") == 2
    # results from before the rename: gini_before / gini_after / delta_gini
    old = report_inputs["siting"].per_site.rename(
        columns={
            "gini_coverage_share_before": "gini_before",
            "gini_coverage_share_after": "gini_after",
            "gini_coverage_share_change": "delta_gini",
        }
    )
    md = mc.write(
        tmp_path, report_inputs, siting=dataclasses.replace(report_inputs["siting"], per_site=old)
    )
    assert mc.table(md, "Rang")[0][9] == "0,420 → 0,310 (-0,110)"


def test_total_row_label_study_area_vs_municipality(report, report_inputs, tmp_path):
    import dataclasses

    from proximity.maps import is_municipality, total_label

    _, paths = report
    md = paths["report.md"].read_text("utf-8")
    assert mc.table(md, "Område")[-1][0] == "Hela kommunen"
    grid = dataclasses.replace(
        report_inputs["city"], provenance={"areas_method": "grid", "pbf": "extract.osm.pbf"}
    )
    assert not is_municipality(grid) and total_label(grid) == "Hela studieområdet"
    md = mc.write(tmp_path, report_inputs, city=grid)
    assert mc.table(md, "Område")[-1][0] == "Hela studieområdet"
    assert mc.table(md, "Område", nth=1)[-1][0] == "Hela studieområdet"
    assert "Hela kommunen" not in md
    explicit = dataclasses.replace(report_inputs["city"], provenance={"kind": "study_area"})
    assert total_label(explicit) == "Hela studieområdet"
    # the same rule as the scenario runner's areas.csv
    import proximity.scenario

    scenario_rule = getattr(proximity.scenario, "is_municipality", None)
    if scenario_rule is not None:
        for c in (report_inputs["city"], grid, explicit):
            assert is_municipality(c) == scenario_rule(c)


def test_helsingborg_report_and_area_profile(tmp_path):
    import warnings

    from proximity.coverage import compute_access
    from proximity.siting.api import site
    from proximity.sources import load_city

    city = load_city("helsingborg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # crow-fly: the embedded default has no network
        access = compute_access(city, None, categories=["district_office"], thresholds_min=(15,))
        siting = site(
            city, None, category="district_office", k=3, threshold_min=15, robustness_profiles=None
        )
    paths = write_report(
        tmp_path, city, access, siting, category="district_office", threshold_min=15
    )
    md = paths["report.md"].read_text("utf-8")
    total = access.areas[(access.areas.area_id == TOTAL_AREA_ID) & (access.areas.group == "all")]
    assert f"bor {int(total.population.iloc[0]):,d} invånare".replace(",", mc.NBSP) in md
    assert access.population_unit == "persons"
    assert "| Område | Befolkning | Täckta |" in md and "Nya täckta invånare" in md
    assert "bostadsyta" not in md.lower() and "Befolkningen är uppskattad" not in md
    assert "⚠ Avståndsmetod: fågelvägsavstånd × 1,3 (uppskattning)" in md
    assert "Föreslaget stadsdelskontor nr 1" in md
    assert len(mc.table(md, "Område")) == len(city.areas) + 1
    # Swedish throughout: quality values and provenance notes translated (the source
    # citations, "Datakällor: ...", are quoted as they are)
    ours = "\n".join(ln for ln in md.splitlines() if "Datakällor:" not in ln)
    for english in (
        "approximate (Voronoi",
        "district reference point",
        "locality reference point",
        "exact (OSM node)",
        "building reference point",
        "(approximation)",
        "demand 131987",
        "OSM rows:",
        "population_total_note",
    ):
        assert english not in ours, english
    assert "stadsdelens referenspunkt" in md and "exakt (OSM-nod)" in md
    assert "befolkningspunkter 131 987" in md
    assert mc.table(md, "Område")[-1][0] == "Hela kommunen"
    # known gaps: unlocated services and social services without any located service
    gaps = mc.section(md, "Kända luckor i data")
    assert "Bibliotek: 2 kända utan läge (Biblioteksbussen, Helsingborgs stadsbibliotek)" in gaps
    assert "Socialtjänst: ingen lokaliserad tjänst – ingen täckning beräknad" in gaps
    assert "Åldersgrupper: uppgifter saknas – ingen uppdelning per ålder." in gaps
    assert "Ideella organisationer: ingen data i underlaget." in gaps
    assert {r[8] for r in mc.table(md, "Rang")} == {"ingen data om ideella organisationer"}
    area = str(siting.per_site["area_id"].iloc[0])
    prof = area_profile(tmp_path, city, access, area, siting)
    text = prof[f"omrade_{area}.md"].read_text("utf-8")
    assert "Föreslaget stadsdelskontor nr 1" in text


@pytest.mark.slow
def test_helsinki_demo_report(tmp_path):
    import warnings

    from _real import helsinki_network

    from proximity.coverage import compute_access
    from proximity.siting.api import site
    from proximity.sources import load_city

    city = load_city("helsinki-demo")
    net = helsinki_network()
    access = compute_access(city, net, categories=["library", "citizen_service"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        siting = site(
            city, net, category="citizen_service", k=3, threshold_min=10, robustness_profiles=None
        )
    paths = write_report(
        tmp_path, city, access, siting, category="citizen_service", threshold_min=10
    )
    md = paths["report.md"].read_text("utf-8")
    assert "gångnätverk (OpenStreetMap)" in md
    assert "fågelvägsavstånd ×" not in md
    assert "OSM-data (gångnätverk) från: 2019-04-17" in md
    assert "Föreslagen ny plats nr 1 (medborgarservice" in md
    assert paths["report_lorenz.png"].exists()
    # floor area (m²) from OSM buildings, not people: never reported as "invånare"
    assert access.population_unit == "floor_area_m2 (proxy)"
    assert "invånare" not in md.lower()
    assert "Befolkningen är uppskattad från bostadsyta i OSM (m²), inte antal personer" in md
    assert "| Område | Andel täckt bostadsyta | Bostadsyta (m², proxy för befolkning) |" in md
    assert "Ny täckt bostadsyta (m², proxy för befolkning)" in md
    # an OSM extract with grid areas is a study area, not a municipality; Swedish notes
    assert mc.table(md, "Område")[-1][0] == "Hela studieområdet"
    assert "Hela kommunen" not in md
    assert "regelbundet rutnät på 500 m" in md and "regular 500 m grid" not in md
    assert "Syfte: demonstration och tester med verkliga data" in md
    # per-object OSM citations are folded into one entry with a count
    assert "way/" not in md and "node/" not in md
    assert re.search(
        r"Datakällor, OpenStreetMap: [\d\xa0]+ objekt \(© OpenStreetMap-bidragsgivare, ODbL 1\.0",
        md,
    )
    area = str(siting.per_site["area_id"].iloc[0])
    text = area_profile(tmp_path, city, access, area, siting)[f"omrade_{area}.md"].read_text(
        "utf-8"
    )
    assert "Bostadsyta (m², proxy för befolkning):" in text and "invånare" not in text.lower()
