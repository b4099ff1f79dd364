"""The report's "Datakällor" grouped by kind and deduplicated (proximity.report.sources).

The shipped Helsingborg baseline is run (offline, crow-fly) and its report read; the
expected counts are taken from the city's input tables with plain regular expressions here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from _scenario import (
    SCENARIOS,
    offline_env_fixture,  # noqa: F401 (pytest fixture)
)

from proximity import scenario as sc
from proximity.report.sources import source_groups, source_items
from proximity.sources import load_city


@pytest.fixture(scope="module")
def baseline_report(tmp_path_factory, offline_env):
    out = tmp_path_factory.mktemp("hb") / "run"
    sc.run(SCENARIOS / "helsingborg-baseline.toml", out_dir=out, quiet=True)
    return (out / "report.md").read_text("utf-8")


def _source_lines(md: str) -> list[str]:
    return [ln for ln in md.splitlines() if ln.startswith("- Datakällor")]


def _inputs():
    city = load_city("helsingborg")
    tables = [getattr(city, n, None) for n in ("demand", "services", "unlocated")]
    return [t for t in tables if t is not None and "source" in t.columns]


def test_no_line_twice_and_one_line_per_kind(baseline_report):
    lines = _source_lines(baseline_report)
    assert len(lines) == len(set(lines))
    kinds = [ln.split(":", 1)[0] for ln in lines]
    assert len(kinds) == len(set(kinds))
    assert kinds[0] == "- Datakällor, OpenStreetMap"
    # nothing inside a line is listed twice either
    for ln in lines:
        parts = ln.split(": ", 1)[1].rstrip(".").split("; ")
        assert len(parts) == len(set(parts)), ln


def test_openstreetmap_once_with_the_count_of_osm_rows(baseline_report):
    md = baseline_report
    osm_rows = sum(
        int(t["source"].astype(str).str.contains("OpenStreetMap").sum()) for t in _inputs()
    )
    node_ids = {
        m for t in _inputs() for s in t["source"].astype(str) for m in re.findall(r"node (\d+)", s)
    }
    assert osm_rows == len(node_ids) == 6  # one row per OSM node in the shipped data
    osm = [ln for ln in _source_lines(md) if "OpenStreetMap" in ln]
    assert len(osm) == 1
    m = re.search(r"OpenStreetMap: (\d+) objekt \(© OpenStreetMap-bidragsgivare, ODbL 1\.0", osm[0])
    assert m and int(m.group(1)) == osm_rows
    assert "node " not in md and "snapshot" not in md


def test_every_web_page_counted_once_per_site(baseline_report):
    urls = set()
    for t in _inputs():
        for s in t["source"].astype(str):
            for part in s.split("; "):
                part = part.split(": ", 1)[1] if part.startswith("location: ") else part
                if part.startswith("http"):
                    urls.add(part.split()[0])
    per_site: dict[str, set[str]] = {}
    for u in urls:
        host = urlsplit(u).netloc.lower().removeprefix("www.").replace(".m.wikipedia", ".wikipedia")
        per_site.setdefault(host, set()).add(u.split(urlsplit(u).netloc, 1)[1])
    web = next(
        ln for ln in _source_lines(baseline_report) if ln.startswith("- Datakällor, Webbsidor")
    )
    shown = dict(re.findall(r"([\w.:-]+) \((\d+) sid(?:a|or)\)", web))
    assert {h: int(n) for h, n in shown.items()} == {h: len(p) for h, p in per_site.items()}
    assert sum(len(p) for p in per_site.values()) > 30


def test_every_distinct_dataset_is_kept(baseline_report):
    md = baseline_report
    for name in ("familjecentraler.csv", "lekplatser.csv", "skolor.csv", "subareas.csv"):
        assert md.count(name) >= 1
    assert "SCB tätorter 2020" in md and "SCB 2020 CC0" in md


def test_kinds_dedup_and_the_bundle_object_format():
    got = source_groups(
        [
            "SCB tätorter 2020 (point = locality reference point), open data CC0",
            "SCB tätorter 2020 (point = locality reference point), open data CC0; stadsdelar: x",
            "https://sv.wikipedia.org/wiki/A",
            "https://sv.m.wikipedia.org/wiki/B",
            "https://www.bibliotekfh.se/a; location: https://sv.wikipedia.org/wiki/A",
            "© OpenStreetMap contributors, ODbL 1.0: way/1",
            "© OpenStreetMap contributors, ODbL 1.0: way/1",
            "© OpenStreetMap contributors, ODbL 1.0: relation/1",
            "© OpenStreetMap contributors, ODbL 1.0: node 7, snapshot 2020-09-04; https://a.se/x",
            "Kommunen open data, skolor.csv",
            "file population.csv",
            "area polygon",
        ]
    )
    assert got == [
        (
            "OpenStreetMap",
            "3 objekt (© OpenStreetMap-bidragsgivare, ODbL 1.0, ögonblicksbild 2020-09-04)",
        ),
        ("SCB", "SCB tätorter 2020 (punkt = tätortens referenspunkt), öppna data CC0"),
        ("Öppna data", "Kommunen öppna data, skolor.csv"),
        ("Webbsidor", "sv.wikipedia.org (2 sidor); bibliotekfh.se (1 sida); a.se (1 sida)"),
        ("Övrigt", "x; fil population.csv; områdespolygon"),
    ]
    assert source_items([]) == []


def test_an_osm_citation_whose_object_is_a_separate_part():
    """Göteborg's form: licence; snapshot and origin; ``node N`` as parts of one citation."""
    cite = (
        "© OpenStreetMap contributors, ODbL 1.0; snapshot 2020-09-04 (HOT export) via x/y; node {}"
    )
    got = dict(source_groups([cite.format(1), cite.format(2), cite.format(2), "SCB 2020"]))
    assert got["OpenStreetMap"] == (
        "2 objekt (© OpenStreetMap-bidragsgivare, ODbL 1.0); "
        "ögonblicksbild 2020-09-04 (HOT-export) via x/y"
    )
    assert got["SCB"] == "SCB 2020" and set(got) == {"OpenStreetMap", "SCB"}
