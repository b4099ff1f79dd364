"""A synthetic city whose every text from data is a script-injection payload (issue 11).

Synthetic: it is the 4-area stand-in of tests/fixtures/maps/synthetic.py (EPSG:3006 near
Helsingborg) with every text that comes from data – city, area and subarea names, service
names, sources and location-quality notes, unlocated services, a service category, non-profit
names and kinds, the siting result's site names, labels and solver, provenance notes, data
sources, the isochrone category and the title – replaced by ``"<marker> <payloads>"``. Each
field has its own marker (``mk…``, lower case, letters and digits only), so a test can say
which text shows where, and that it shows escaped.

Used by tests/test_maps_injection.py (the outputs' source) and tests/test_browser.py (real
Chromium opens every tooltip and popup).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import _maps_common as mc
import geopandas as gpd
import pandas as pd

#: The payloads: HTML that runs script, a script-block breakout, an attribute breakout and a
#: script URL. Each sets ``window.__pwned`` when it runs.
PAYLOADS = (
    '<img src=x onerror="window.__pwned=1">',
    "</script><script>window.__pwned=1</script>",
    "\"'><svg onload=window.__pwned=1>",
    "javascript:alert(1)",
)
PAYLOAD = " ".join(PAYLOADS)
#: What must never appear unescaped where a browser reads HTML.
RAW = ("<img src=x", "<svg onload", "<script>window.__pwned")


def bad(marker: str) -> str:
    """The text of one field: its marker and every payload."""
    return f"{marker} {PAYLOAD}"


#: A service category from data (the category id itself is a payload).
BAD_CATEGORY = bad("mkcategory")


def _city():
    syn = mc.synthetic()
    city = syn.make_city()
    areas = city.areas.assign(
        name=[bad(f"mkarea{i}") for i in range(1, 5)],
        boundary_quality=[bad("mkareaquality"), "official", bad("mkareaquality"), "official"],
        source=bad("mkareasource"),
    )
    subareas = gpd.GeoDataFrame(
        {
            "subarea_id": areas["area_id"],
            "name": [bad(f"mksubarea{i}") for i in range(1, 5)],
            "area_id": areas["area_id"],
            "boundary_quality": bad("mksubareaquality"),
            "source": "test",
        },
        geometry=areas.geometry.to_numpy(),
        crs=areas.crs,
    )
    services = city.services.assign(
        name=[bad(f"mkservice{sid}") for sid in city.services["service_id"]],
        source=bad("mkservicesource"),
        location_quality=[
            bad("mkservicequality") if i % 2 else "exact" for i in range(len(city.services))
        ],
    )
    extra = services.iloc[[0]].assign(
        service_id="s8", name=bad("mkservicecat"), category=BAD_CATEGORY
    )
    services = gpd.GeoDataFrame(pd.concat([services, extra], ignore_index=True), crs=city.crs)
    demand = city.demand.assign(
        location_quality=[bad("mkdemandquality") if i % 3 == 0 else "grid" for i in range(64)]
    )
    unlocated = pd.DataFrame(
        [
            ("u1", bad("mkunlocated1"), "library"),
            ("u2", bad("mkunlocated2"), "social_services"),
            ("u3", bad("mkunlocated3"), BAD_CATEGORY),
        ],
        columns=["service_id", "name", "category"],
    ).assign(reason="test", source="test")
    nonprofits = city.nonprofits.assign(
        name=[bad(f"mknonprofit{i}") for i in range(1, 4)], kind=bad("mknonprofitkind")
    )
    return dataclasses.replace(
        city,
        name=bad("mkcity"),
        areas=areas,
        subareas=subareas,
        services=services,
        demand=demand,
        services_unlocated=unlocated,
        nonprofits=nonprofits,
        provenance={
            "data_date": "2024-01-01",
            "purpose": bad("mkpurpose"),
            "licences": bad("mklicence"),
        },
    )


def _siting():
    syn = mc.synthetic()
    s = syn.make_siting()
    per_site = s.per_site.assign(
        name=[bad(f"mksite{i}") for i in range(1, 4)],
        source=bad("mksitesource"),
        area_name=bad("mksiteareaname"),
        nonprofits_label_sv=[bad("mknonprofitlabel"), None, None],
    )
    nonprofits = s.nonprofits.assign(name=bad("mksitenonprofit"), kind=bad("mksitenpkind"))
    per_area = s.per_area.assign(area_name=bad("mkperareaname"))
    return dataclasses.replace(
        s,
        per_site=per_site,
        nonprofits=nonprofits,
        per_area=per_area,
        category=BAD_CATEGORY,
        solver=bad("mksolver"),
    )


def inputs() -> dict:
    """City, access (areas and subareas), baseline, siting, isochrones and candidates."""
    syn = mc.synthetic()
    city = _city()
    access = syn.make_access(city)
    access.provenance = {
        **access.provenance,
        "data_sources": [bad("mkdatasource"), "https://example.org/a_b?x=1&y=2"],
        "network_hash": bad("mkhash"),
    }
    sub_access = dataclasses.replace(access, distance_method=bad("mkmethod"))
    sub_access.area_level = "subareas"
    sub_access.areas = sub_access.areas.assign(distance_method=bad("mkmethod"))
    services = city.services
    reached = services.loc[services["category"].isin(["library", BAD_CATEGORY])]
    isochrones = gpd.GeoDataFrame(
        {"category": reached["category"].to_numpy()},
        geometry=reached.geometry.buffer(600).to_numpy(),
        crs=city.crs,
    )
    candidates = gpd.GeoDataFrame(
        {
            "candidate_id": ["k1", "k2"],
            "name": [bad("mkcandidate1"), bad("mkcandidate2")],
            "source": bad("mkcandidatesource"),
            "area_id": ["A1", "A1"],
        },
        geometry=gpd.points_from_xy([syn.X0 + 500, syn.X0 + 900], [syn.Y0 + 2500] * 2),
        crs=city.crs,
    )
    return {
        "city": city,
        "access": access,
        "sub_access": sub_access,
        "baseline": syn.make_access(city, drop="s2"),
        "siting": _siting(),
        "isochrones": isochrones,
        "candidates": candidates,
    }


def write_outputs(folder: Path) -> dict[str, Path]:
    """Every map and report of the poisoned city, by a short name.

    ``map`` (library, with sites, baseline, residents, reached areas, all service layers,
    the title), ``map_category`` (coloured by the poisoned category, with the city's
    non-profits near the sites), ``map_subareas``
    (subareas, an unknown distance method), ``report.md``/``report.html`` (with sites,
    baseline and the title), ``category.md``/``.html`` (the poisoned category),
    ``profile.md``/``.html`` (a subarea with candidates and sites) and
    ``area.md``/``.html`` (an area).
    """
    from proximity.maps import make_map, save_map
    from proximity.report import area_profile, write_report

    inp = inputs()
    city, access = inp["city"], inp["access"]
    out: dict[str, Path] = {}
    common = {"threshold_min": 10, "profile": "adult"}
    m = make_map(
        city,
        access,
        siting=inp["siting"],
        category="library",
        baseline=inp["baseline"],
        show_residents=True,
        isochrones=inp["isochrones"],
        all_services=True,
        title=bad("mktitle"),
        **common,
    )
    out["map"] = save_map(m, folder / "map.html")
    city_nonprofits = dataclasses.replace(  # the non-profits near the sites from the city
        inp["siting"],
        nonprofits=inp["siting"].nonprofits.iloc[0:0],
        per_site=inp["siting"].per_site.drop(columns=["nonprofits_label_sv"]),
    )
    m = make_map(
        city,
        access,
        siting=city_nonprofits,
        category=BAD_CATEGORY,
        isochrones=inp["isochrones"],
        **common,
    )
    out["map_category"] = save_map(m, folder / "map_category.html")
    m = make_map(city, inp["sub_access"], category="library", **common)
    out["map_subareas"] = save_map(m, folder / "map_subareas.html")
    paths = write_report(
        folder / "report",
        city,
        access,
        inp["siting"],
        category="library",
        baseline=inp["baseline"],
        title=bad("mktitle"),
        **common,
    )
    out["report.md"], out["report.html"] = paths["report.md"], paths["report.html"]
    paths = write_report(folder / "category", city, access, category=BAD_CATEGORY, **common)
    out["category.md"], out["category.html"] = paths["report.md"], paths["report.html"]
    paths = area_profile(
        folder / "profile",
        city,
        inp["sub_access"],
        "A1",
        inp["siting"],
        candidates=inp["candidates"],
        **common,
    )
    out["profile.md"], out["profile.html"] = sorted(paths.values(), key=lambda p: p.suffix != ".md")
    paths = area_profile(folder / "area", city, access, "A2", **common)
    out["area.md"], out["area.html"] = sorted(paths.values(), key=lambda p: p.suffix != ".md")
    return out
