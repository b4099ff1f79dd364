"""Shared inputs and helpers of the maps and report tests (tests/test_maps_*.py,
tests/test_report_*.py): the synthetic City / Access / SitingResult stand-ins of
tests/fixtures/maps/synthetic.py, the Helsingborg inputs, and page/Markdown helpers.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np

_SYN = Path(__file__).parent / "fixtures" / "maps" / "synthetic.py"
NBSP = "\u00a0"
PROXY_FLAG = "Befolkningen är uppskattad från bostadsyta i OSM (m²), inte antal personer"
SCRIPT_SRC_HTTP = re.compile(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", re.IGNORECASE)
LINK_HREF_HTTP = re.compile(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", re.IGNORECASE)


def synthetic():
    name = "proximity_tests_maps_synthetic"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _SYN)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def map_inputs() -> dict:
    """The synthetic city, its (crow-fly) access, a network access, a baseline and a siting."""
    syn = synthetic()
    city = syn.make_city()
    return {
        "city": city,
        "access": syn.make_access(city),
        "network_access": syn.make_access(city, method="network"),
        "baseline": syn.make_access(city, drop="s2"),
        "siting": syn.make_siting(),
    }


def report_inputs() -> dict:
    """The synthetic city, its access, a baseline and a siting."""
    syn = synthetic()
    city = syn.make_city()
    return {
        "city": city,
        "access": syn.make_access(city),
        "baseline": syn.make_access(city, drop="s2"),
        "siting": syn.make_siting(),
    }


def full_map(inputs):
    """The library map with sites, a baseline and the residents layer."""
    from proximity.maps import make_map

    return make_map(
        inputs["city"],
        inputs["access"],
        siting=inputs["siting"],
        category="library",
        threshold_min=10,
        profile="adult",
        baseline=inputs["baseline"],
        show_residents=True,
    )


def default_report(inputs, folder):
    """``(folder, paths)`` of the library report with sites and a baseline."""
    from proximity.report import write_report

    paths = write_report(
        folder,
        inputs["city"],
        inputs["access"],
        inputs["siting"],
        category="library",
        threshold_min=10,
        profile="adult",
        baseline=inputs["baseline"],
    )
    return folder, paths


def proxy_city(city):
    """The synthetic city with its demand flagged as a floor-area proxy (m²)."""
    import dataclasses

    return dataclasses.replace(city, demand=city.demand.assign(population_is_proxy=True))


def helsingborg():
    """Helsingborg (embedded default, crow-fly): city, access and a 3-site siting."""
    import warnings

    from proximity.coverage import compute_access
    from proximity.siting.api import site
    from proximity.sources import load_city

    city = load_city("helsingborg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # CrowFlyWarning: the embedded default has no network
        access = compute_access(
            city, None, categories=["district_office", "library"], thresholds_min=(10, 15)
        )
        siting = site(
            city, None, category="district_office", k=3, threshold_min=15, robustness_profiles=None
        )
    return city, access, siting


# ---- map pages --------------------------------------------------------------------------


def text(page: str) -> str:
    """The page with JavaScript \\uXXXX escapes decoded (folium escapes layer names)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def info(page: str) -> str:
    return page[page.index('"px-info"') :]


def site_popups(page: str) -> str:
    return page[page.index("Föreslaget stadsdelskontor nr 1") :]


def site_map(inputs, city=None, **siting_changes):
    """The site popups of the library map with the siting result changed."""
    import dataclasses

    from proximity.maps import make_map, render_html

    siting = dataclasses.replace(inputs["siting"], **siting_changes)
    m = make_map(
        city or inputs["city"],
        inputs["access"],
        siting=siting,
        category="library",
        threshold_min=10,
    )
    return site_popups(text(render_html(m)))


# ---- report Markdown ----------------------------------------------------------------------


def num(s: str) -> float:
    """Parse a Swedish-formatted number (``1 895``, ``11,6 %``, ``+5,6``)."""
    t = s.replace(NBSP, "").replace(" ", "").replace("%", "").replace(",", ".")
    return float(t)


def table(md: str, first_header: str, nth: int = 0) -> list[list[str]]:
    lines = md.splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.startswith(f"| {first_header} |")]
    start = starts[nth]
    rows = []
    for ln in lines[start + 2 :]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in ln.strip("|").split(" | ")])
    return rows


def rows(access, category="library", threshold=10, profile="adult"):
    a = access.areas
    return a[
        (a.category == category)
        & (a.profile == profile)
        & np.isclose(a.threshold_min, threshold)
        & (a.group == "all")
    ].set_index("area_id")


def section(md: str, heading: str) -> str:
    start = md.index(f"## {heading}")
    end = md.find("\n## ", start + 3)
    return md[start : end if end >= 0 else len(md)]


def write(tmp_path, inputs, *, city=None, access=None, siting="default", category="library"):
    """report.md of the library report (no baseline) with some inputs replaced."""
    from proximity.report import write_report

    paths = write_report(
        tmp_path,
        city or inputs["city"],
        access or inputs["access"],
        inputs["siting"] if siting == "default" else siting,
        category=category,
        threshold_min=10,
        profile="adult",
    )
    return paths["report.md"].read_text("utf-8")
