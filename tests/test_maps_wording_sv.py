"""No English in the Swedish maps and reports (proximity.maps.wording_sv and its users).

The shipped scenarios that run offline are run here (crow-fly where the network is not
cached; no PDF, whose text is the HTML report's) and the visible text of every HTML report,
area profile and map is scanned for English words and phrases that have Swedish wording.
The list leaves out words that are also names (OpenStreetMap, Wikipedia, a repository's
name quoted in a source citation) and data values of other cities' own files.
"""

from __future__ import annotations

import dataclasses
import html
import re

import pytest
from _scenario import (
    SCENARIOS,
    offline_env_fixture,  # noqa: F401 (pytest fixture)
)

from proximity import scenario as sc
from proximity.maps.wording_sv import quality_sv, source_sv

SHIPPED = (
    "helsingborg-baseline",
    "helsingborg-motion",
    "helsingborg-punktinsats",
    "helsinki-demo",
    "goteborg-hisingen",
    "goteborg-jamlikhet",
)

#: English that must not reach a Swedish page (case-insensitive regular expressions).
ENGLISH = (
    r"crow-?fly",
    r"greedy",
    r"interchange",
    r"\(hash\)",
    r"\bnone\b",
    r"\bsnapshot\b",
    r"\bopen data\b",
    r"\bas bundled\b",
    r"\bofficial\b",
    r"\bexact\b",
    r"\brepresentative point\b",
    r"\breference point\b",
    r"\bcity open data\b",
    r"central OSM extract",
    r"\bHelsinki \(demo",
    r"\bcoverage\b",
    r"\bwalking\b",
    r"\bthreshold\b",
    r"\bdistrict\b",
    r"\bunknown\b",
)


#: Pages with known English (reported, not hidden elsewhere); none at present.
KNOWN: dict[str, tuple[str, ...]] = {}


def visible_text(page: str) -> str:
    """What a reader sees: the page without scripts and styles, plus popups and tooltips."""
    page = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)
    texts = [
        m.group(2)
        for m in re.finditer(r'"(_popup|_tooltip|name|title)"\s*:\s*"((?:[^"\\]|\\.)*)"', page)
    ]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", " ".join([*texts, body]))
    text = html.unescape(text)
    return " ".join(re.sub(r"https?://\S+", " ", text).split())  # addresses are not words


@pytest.fixture(scope="module")
def pages(tmp_path_factory, offline_env):
    out = tmp_path_factory.mktemp("english")
    found = {}
    for name in SHIPPED:
        s = sc.load_scenario(SCENARIOS / f"{name}.toml")
        s = dataclasses.replace(s, outputs=dataclasses.replace(s.outputs, pdf=False))
        r = sc.run(s, out_dir=out / name, quiet=True)
        for p in sorted(r.out_dir.rglob("*.html")):
            found[f"{name}/{p.relative_to(r.out_dir)}"] = visible_text(p.read_text("utf-8"))
    return found


def test_every_shipped_scenario_has_a_report_and_maps(pages):
    for name in SHIPPED:
        assert f"{name}/report.html" in pages
        assert any(k.startswith(f"{name}/maps/") for k in pages), name


@pytest.mark.parametrize("pattern", ENGLISH)
def test_no_english_in_the_shipped_pages(pages, pattern):
    hits = {
        k: t[max(0, m.start() - 50) : m.end() + 30]
        for k, t in pages.items()
        if pattern not in KNOWN.get(k.rsplit("/", 1)[-1], ())
        if (m := re.search(pattern, t, flags=re.I))
    }
    assert not hits, hits


def test_the_helsinki_demo_is_named_in_swedish(pages):
    assert "Helsingfors" in pages["helsinki-demo/report.html"]


def test_quality_and_source_wording():
    assert quality_sv("official (Göteborgs Stad primärområde 2025-01-01)") == (
        "officiell (Göteborgs Stad primärområde 2025-01-01)"
    )
    assert quality_sv("City open data point") == "punkt från kommunens öppna data"
    assert quality_sv("something else") == "something else"
    assert source_sv("X open data, a.csv, as bundled (commit 1) in https://x") == (
        "X öppna data, a.csv, kopia från (commit 1): https://x"
    )
