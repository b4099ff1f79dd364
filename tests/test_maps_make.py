"""Tests of proximity.maps.make (make_map, render_html, save_map) on synthetic map_inputs and real cities."""

from __future__ import annotations

import _maps_common as mc
import pytest

from proximity.errors import OutputError, ParameterError
from proximity.maps import external_asset_urls, make_map, render_html, save_map


def test_counts(full_map):
    assert full_map.counts["areas"] == 4
    assert full_map.counts["services"] == 7
    assert full_map.counts["services_visible"] == 2  # the two libraries
    assert full_map.counts["offices"] == 2
    assert full_map.counts["sites"] == 3
    assert full_map.counts["residents"] > 0


def test_popup_numbers_match_access_table(map_inputs, full_html):
    areas = map_inputs["access"].areas
    row = areas[
        (areas.area_id == "A1")
        & (areas.category == "library")
        & (areas.profile == "adult")
        & (areas.threshold_min == 10)
        & (areas.group == "all")
    ].iloc[0]
    pop = f"{int(row.population):,d}".replace(",", "\u00a0")
    assert f"<th>Befolkning</th><td class='num'>{pop}</td>" in mc.text(full_html)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"category": "swimming_pool", "threshold_min": 10}, "Available categories: "),
        ({"category": "library", "threshold_min": 10, "profile": "winter"}, "Available profiles"),
        ({"category": "library", "threshold_min": 12}, "Available thresholds"),
    ],
)
def test_bad_parameters(map_inputs, kwargs, needle):
    with pytest.raises(ParameterError) as err:
        make_map(map_inputs["city"], map_inputs["access"], **kwargs)
    assert needle in str(err.value)
    if "category" in needle:
        assert "library" in str(err.value) and "health_centre" in str(err.value)
    if "profiles" in needle:
        assert "adult" in str(err.value) and "elderly" in str(err.value)


def test_empty_result(map_inputs):
    syn = mc.synthetic()
    acc = syn.make_access(map_inputs["city"])
    acc.areas = acc.areas.iloc[0:0]
    with pytest.raises(ParameterError, match="empty"):
        make_map(map_inputs["city"], acc, category="library", threshold_min=10)


def test_unknown_language(map_inputs):
    with pytest.raises(ParameterError, match="language"):
        make_map(
            map_inputs["city"],
            map_inputs["access"],
            category="library",
            threshold_min=10,
            lang="fi",
        )


def test_save_map_atomic_and_self_contained(tmp_path, full_map):
    out = save_map(full_map, tmp_path / "sub" / "karta.html")
    assert out.exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["karta.html"]
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not mc.SCRIPT_SRC_HTTP.search(page) and not mc.LINK_HREF_HTTP.search(page)


def test_save_map_unwritable_folder(tmp_path, full_map):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        save_map(full_map, blocker / "karta.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_save_map_error_while_writing_leaves_nothing(tmp_path, full_map, monkeypatch):
    import os

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OutputError):
        save_map(full_map, tmp_path / "karta.html")
    assert list(tmp_path.iterdir()) == []


def test_helsingborg_map_flags_crowfly_and_approximate_inputs(tmp_path):
    city, access, siting = mc.helsingborg()
    m = make_map(
        city, access, siting=siting, category="district_office", threshold_min=15, profile="adult"
    )
    assert m.counts["areas"] == len(city.areas)
    assert m.counts["sites"] == 3
    assert m.counts["offices"] == int((city.services.category == "district_office").sum())
    out = save_map(m, tmp_path / "helsingborg.html")
    page = mc.text(out.read_text("utf-8"))
    assert not mc.SCRIPT_SRC_HTTP.search(page) and not mc.LINK_HREF_HTTP.search(page)
    # the info box: crow-fly approximation and approximate areas, visibly flagged
    info = page[page.index('"px-info"') :]
    assert "⚠ Avståndsmetod: fågelvägsavstånd × 1,3 (uppskattning)" in info
    assert "Inte verkliga gångvägar" in info
    n = len(city.areas)
    assert f"⚠ Områdesgränser: {n} av {n} ungefärliga" in info
    assert "px-approx-areas-flag" in info
    assert "Befolkningspunkter:" in info
    assert "Invånare utan känt läge (räknas som ej täckta)" in info
    assert "© OpenStreetMap-bidragsgivare, ODbL" in info
    assert "Föreslaget stadsdelskontor nr 1" in page
    assert "Andel invånare inom 15 minuters gång" in page
    # Helsingborg's population counts persons: no floor-area proxy wording or flag
    assert "<th>Befolkning</th>" in page and "<th>Nya täckta invånare</th>" in page
    assert "bostadsyta" not in page.lower() and "px-population-proxy-flag" not in page


@pytest.mark.slow
def test_helsinki_demo_map_with_network_isochrones_and_sites(tmp_path):
    import warnings

    from _real import helsinki_network

    from proximity.coverage import compute_access, isochrone_polygons
    from proximity.siting.api import site
    from proximity.snap import snap
    from proximity.sources import load_city

    city = load_city("helsinki-demo")
    net = helsinki_network()
    access = compute_access(city, net, categories=["library", "citizen_service"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        siting = site(
            city, net, category="citizen_service", k=3, threshold_min=10, robustness_profiles=None
        )
    lib = city.services[city.services.category == "library"]
    iso = {"library": isochrone_polygons(net, snap(net, lib, ids=lib.service_id), [10], "adult")}
    m = make_map(
        city,
        access,
        siting=siting,
        category="library",
        threshold_min=10,
        isochrones=iso,
        show_residents=True,
    )
    assert m.counts["areas"] == len(city.areas)
    assert m.counts["sites"] == 3
    assert m.counts["isochrones"] == 1
    assert m.counts["services_visible"] == len(lib)
    page = mc.text(render_html(m))
    assert external_asset_urls(page) == []
    assert "gångnätverk (OpenStreetMap)" in page
    assert "px-crowfly-flag" not in page
    assert "OSM-data: 2019-04-17" in page
    assert "Föreslagen ny plats nr 1 (medborgarservice" in page
    # the demand is residential floor area (m²), not people: labelled and flagged as such
    assert access.population_unit == "floor_area_m2 (proxy)"
    assert "invånare" not in page.lower()
    assert "<th>Befolkning</th>" not in page
    assert "<th>Bostadsyta (m², proxy för befolkning)</th>" in page
    assert "<th>Ny täckt bostadsyta (m², proxy för befolkning)</th>" in page
    assert "Andel bostadsyta (proxy för befolkning) inom 10 minuters gång" in page
    info = page[page.index('"px-info"') :]
    assert "px-population-proxy-flag" in info and mc.PROXY_FLAG in info
    save_map(m, tmp_path / "helsinki.html")
    # the walking network as a light base layer: every edge, merged, simplified (3 m) and
    # rounded; measured on this demo (7 503 edges) it adds about 170 kB
    with_net = make_map(
        city,
        access,
        siting=siting,
        category="library",
        threshold_min=10,
        isochrones=iso,
        show_residents=True,
        network=net,
    )
    assert with_net.counts["network_edges"] == len(net.edges_gdf())
    grown = len(render_html(with_net).encode()) - len(render_html(m).encode())
    assert 50_000 < grown < 250_000, grown
