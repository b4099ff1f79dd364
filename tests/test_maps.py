"""Tests of proximity.maps on synthetic City / Access / SitingResult stand-ins."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from proximity.errors import OutputError, ParameterError
from proximity.maps import external_asset_urls, make_map, render_html, save_map

_SYN = Path(__file__).parent / "fixtures" / "maps" / "synthetic.py"


def _synthetic():
    name = "proximity_tests_maps_synthetic"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _SYN)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


@pytest.fixture(scope="module")
def inputs():
    syn = _synthetic()
    city = syn.make_city()
    return {
        "city": city,
        "access": syn.make_access(city),
        "network_access": syn.make_access(city, method="network"),
        "baseline": syn.make_access(city, drop="s2"),
        "siting": syn.make_siting(),
    }


@pytest.fixture(scope="module")
def full_map(inputs):
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


@pytest.fixture(scope="module")
def full_html(full_map):
    return render_html(full_map)


def _text(page: str) -> str:
    """The page with JavaScript \\uXXXX escapes decoded (folium escapes layer names)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


SCRIPT_SRC_HTTP = re.compile(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", re.IGNORECASE)
LINK_HREF_HTTP = re.compile(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", re.IGNORECASE)


def test_counts(full_map):
    assert full_map.counts["areas"] == 4
    assert full_map.counts["services"] == 7
    assert full_map.counts["services_visible"] == 2  # the two libraries
    assert full_map.counts["offices"] == 2
    assert full_map.counts["sites"] == 3
    assert full_map.counts["residents"] > 0


def test_offline_html_has_no_external_scripts_or_styles(full_html):
    assert not SCRIPT_SRC_HTTP.search(full_html)
    assert not LINK_HREF_HTTP.search(full_html)
    assert external_asset_urls(full_html) == []
    # the assets are really inlined
    assert "Leaflet 1.9.3" in full_html
    assert "jQuery v3" in full_html
    assert "data:font/woff2;base64," in full_html  # Font Awesome solid webfont
    assert "url(images/" not in full_html  # Leaflet control images inlined
    assert "bootstrap.bundle" not in full_html and "bootstrap.min.css" not in full_html
    assert "awesome-markers" not in full_html
    assert "sourceMappingURL" not in full_html
    # the tile URL template lives in JavaScript only (documented)
    assert "tile.openstreetmap.org" in full_html


def test_swedish_labels_and_info_box(full_html):
    full_html = _text(full_html)
    for text in (
        "Andel invånare inom 10 minuters gång",
        "Föreslaget stadsdelskontor nr 1",
        "Föreslaget stadsdelskontor nr 3",
        "Befintliga stadsdelskontor",
        "Teckenförklaring",
        "Om kartan",
        "© OpenStreetMap-bidragsgivare, ODbL",
        "Förändring mot baslinje",
        "Medeltid (minuter)",
        "Ej täckta",
        "Ideella organisationer i närheten",
        "Röda Korset",
        'lang="sv"',
        "width=device-width",
    ):
        assert text in full_html, text


def test_crowfly_and_approximate_inputs_are_flagged(full_html):
    # crow-fly distance method, visibly flagged (in the info box and the title box)
    assert "fågelvägsavstånd × 1,3 (uppskattning)" in full_html
    assert "px-crowfly-flag" in full_html and "px-crowfly-title" in full_html
    assert "Inte verkliga gångvägar" in full_html
    # approximate area boundaries and service locations are counted and flagged
    assert "Områdesgränser: 2 av 4 ungefärliga" in full_html
    assert "px-approx-areas-flag" in full_html
    assert "Tjänsternas lägen: 2 av 9 ungefärliga" in full_html
    assert "Datum: 2024-02-01" in full_html
    assert "Befolkningsår: 2023" in full_html


def test_network_method_not_flagged(inputs):
    m = make_map(inputs["city"], inputs["network_access"], category="library", threshold_min=10)
    page = render_html(m)
    assert "gångnätverk (OpenStreetMap)" in page
    assert "px-crowfly-flag" not in page
    assert "fågelvägsavstånd" not in page


def test_popup_numbers_match_access_table(inputs, full_html):
    areas = inputs["access"].areas
    row = areas[
        (areas.area_id == "A1")
        & (areas.category == "library")
        & (areas.profile == "adult")
        & (areas.threshold_min == 10)
        & (areas.group == "all")
    ].iloc[0]
    pop = f"{int(row.population):,d}".replace(",", "\u00a0")
    assert f"<th>Befolkning</th><td class='num'>{pop}</td>" in _text(full_html)


PROXY_FLAG = "Befolkningen är uppskattad från bostadsyta i OSM (m²), inte antal personer"


def _proxy_city(city):
    """The synthetic city with its demand flagged as a floor-area proxy (m²)."""
    import dataclasses

    return dataclasses.replace(city, demand=city.demand.assign(population_is_proxy=True))


def test_persons_are_not_flagged_as_proxy(full_html):
    page = _text(full_html)
    assert "px-population-proxy-flag" not in page and "px-proxy-title" not in page
    assert "bostadsyta" not in page.lower()
    assert "Nya täckta invånare" in page and "Invånare utan tillgång" in page


def test_floor_area_proxy_is_labelled_not_counted_as_residents(inputs):
    """A floor-area demand (population_is_proxy) is labelled as m² floor area, the share
    leads the popups, a flag line is shown, and nothing claims residents ("invånare")."""
    city = _proxy_city(inputs["city"])
    m = make_map(
        city,
        inputs["access"],  # duck-typed: no population_unit, the city's demand decides
        siting=inputs["siting"],
        category="library",
        threshold_min=10,
        baseline=inputs["baseline"],
        show_residents=True,
    )
    page = _text(render_html(m))
    assert "invånare" not in page.lower()
    assert "<th>Befolkning</th>" not in page and not re.search(r"\d personer", page)
    info = page[page.index('"px-info"') :]
    assert "px-population-proxy-flag" in info and PROXY_FLAG in info
    assert "px-proxy-title" in page
    assert "Andel bostadsyta (proxy för befolkning) inom 10 minuters gång" in page
    assert "Ny täckt bostadsyta (m², proxy för befolkning)" in page
    areas = inputs["access"].areas
    row = areas[
        (areas.area_id == "A1")
        & (areas.category == "library")
        & (areas.profile == "adult")
        & (areas.threshold_min == 10)
        & (areas.group == "all")
    ].iloc[0]
    pop = f"{int(row.population):,d}".replace(",", "\u00a0")
    assert f"<th>Bostadsyta (m², proxy för befolkning)</th><td class='num'>{pop}</td>" in page
    # the share is the first row of the area popups
    assert "<table><tr><th>Andel täckt bostadsyta</th>" in page
    assert "m² bostadsyta" in page  # baseline change and residents layer tooltips


def test_floor_area_proxy_english(inputs):
    m = make_map(
        _proxy_city(inputs["city"]),
        inputs["access"],
        category="library",
        threshold_min=10,
        lang="en",
        show_residents=True,
    )
    page = _text(render_html(m))
    assert "Population is estimated from residential floor area in OSM (m²)" in page
    assert "Share of residential floor area (population proxy) within 10 minutes' walk" in page
    assert not re.search(r"(?<![-\w])residents?\b", page.lower())  # not the CSS class


def test_english_variant(inputs):
    m = make_map(
        inputs["city"],
        inputs["access"],
        siting=inputs["siting"],
        category="library",
        threshold_min=10,
        lang="en",
    )
    page = _text(render_html(m))
    assert "Share of residents within 10 minutes' walk" in page
    assert "Proposed district office no. 1" in page
    assert "straight-line distance × 1.3 (approximation)" in page
    assert 'lang="en"' in page


def test_isochrones_layer(inputs):
    from shapely.geometry import Point

    syn = _synthetic()
    iso = {
        "library": Point(syn.X0 + 600, syn.Y0 + 3400).buffer(700),
        "health_centre": Point(syn.X0 + 1000, syn.Y0 + 3000).buffer(500),
    }
    m = make_map(
        inputs["city"], inputs["access"], category="library", threshold_min=10, isochrones=iso
    )
    assert m.counts["isochrones"] == 2
    assert "Nåbart inom 10 min: Bibliotek" in _text(render_html(m))


def test_online_mode_keeps_cdn_links(inputs):
    m = make_map(
        inputs["city"], inputs["access"], category="library", threshold_min=10, offline=False
    )
    page = render_html(m)
    assert SCRIPT_SRC_HTTP.search(page)


def test_cluster_services_offline(inputs):
    m = make_map(
        inputs["city"],
        inputs["access"],
        category="library",
        threshold_min=10,
        cluster_services=True,
    )
    page = render_html(m)
    assert "markerClusterGroup" in page
    assert external_asset_urls(page) == []


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"category": "swimming_pool", "threshold_min": 10}, "Available categories: "),
        ({"category": "library", "threshold_min": 10, "profile": "winter"}, "Available profiles"),
        ({"category": "library", "threshold_min": 12}, "Available thresholds"),
    ],
)
def test_bad_parameters(inputs, kwargs, needle):
    with pytest.raises(ParameterError) as err:
        make_map(inputs["city"], inputs["access"], **kwargs)
    assert needle in str(err.value)
    if "category" in needle:
        assert "library" in str(err.value) and "health_centre" in str(err.value)
    if "profiles" in needle:
        assert "adult" in str(err.value) and "elderly" in str(err.value)


def test_empty_result(inputs):
    syn = _synthetic()
    acc = syn.make_access(inputs["city"])
    acc.areas = acc.areas.iloc[0:0]
    with pytest.raises(ParameterError, match="empty"):
        make_map(inputs["city"], acc, category="library", threshold_min=10)


def test_save_map_atomic_and_self_contained(tmp_path, full_map):
    out = save_map(full_map, tmp_path / "sub" / "karta.html")
    assert out.exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["karta.html"]
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not SCRIPT_SRC_HTTP.search(page) and not LINK_HREF_HTTP.search(page)


def test_save_map_unwritable_folder(tmp_path, full_map):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        save_map(full_map, blocker / "karta.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_save_map_refuses_uninlinable_asset_and_leaves_nothing(tmp_path, inputs):
    from folium.plugins import Fullscreen

    m = make_map(inputs["city"], inputs["access"], category="library", threshold_min=10)
    Fullscreen().add_to(m)  # needs a CDN script we do not bundle
    with pytest.raises(OutputError, match="cannot be bundled offline"):
        save_map(m, tmp_path / "karta.html")
    assert list(tmp_path.iterdir()) == []


def test_save_map_error_while_writing_leaves_nothing(tmp_path, full_map, monkeypatch):
    import os

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OutputError):
        save_map(full_map, tmp_path / "karta.html")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- real cities
def _helsingborg():
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


def test_helsingborg_map_flags_crowfly_and_approximate_inputs(tmp_path):
    city, access, siting = _helsingborg()
    m = make_map(
        city, access, siting=siting, category="district_office", threshold_min=15, profile="adult"
    )
    assert m.counts["areas"] == len(city.areas)
    assert m.counts["sites"] == 3
    assert m.counts["offices"] == int((city.services.category == "district_office").sum())
    out = save_map(m, tmp_path / "helsingborg.html")
    page = _text(out.read_text("utf-8"))
    assert not SCRIPT_SRC_HTTP.search(page) and not LINK_HREF_HTTP.search(page)
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
    page = _text(render_html(m))
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
    assert "px-population-proxy-flag" in info and PROXY_FLAG in info
    save_map(m, tmp_path / "helsinki.html")


def test_unknown_language(inputs):
    with pytest.raises(ParameterError, match="language"):
        make_map(inputs["city"], inputs["access"], category="library", threshold_min=10, lang="fi")


def test_without_tiles(inputs):
    m = make_map(
        inputs["city"], inputs["access"], category="library", threshold_min=10, tiles=False
    )
    page = _text(render_html(m))
    assert "tile.openstreetmap.org" not in page
    assert "Ingen bakgrundskarta" in page
    assert "© OpenStreetMap-bidragsgivare, ODbL" in page


# ---- known data gaps, Swedish quality wording, non-profits, Gini (review fixes) --------


def _info(page: str) -> str:
    return page[page.index('"px-info"') :]


def _site_popups(page: str) -> str:
    return page[page.index("Föreslaget stadsdelskontor nr 1") :]


def test_info_box_lists_unlocated_services_and_categories_without_service(full_html):
    info = _info(_text(full_html))
    assert "Kända tjänster utan läge (ingår inte i beräkningen)" in info
    assert "px-unlocated-services" in info and "px-no-service" in info
    # per category: the count and the names (compact)
    assert "Bibliotek: 2 (Bokbussen, Huvudbiblioteket)" in info
    # categories with no located service, derived from proximity.sources.CATEGORIES
    assert "Kategorier utan lokaliserad tjänst" in info
    assert (
        "Socialtjänst: ingen lokaliserad tjänst – ingen täckning beräknad "
        "(1 känd utan läge: Familjecentral)"
    ) in info
    from proximity.maps import category_label

    assert f"{category_label('citizen_service')}: ingen lokaliserad tjänst" in info


def test_quality_values_in_swedish_with_full_text(inputs, full_html):
    import dataclasses

    info = _info(_text(full_html))
    assert "officiell: 2" in info and "ungefärlig: 2" in info
    assert "approximate: 2" not in info and "(approximation)" not in info
    # an unknown long value is kept (not translated) and its full text is in a tooltip
    long = "surveyed by the city in 2019 from aerial photographs and checked on site, " * 2
    city = dataclasses.replace(
        inputs["city"], areas=inputs["city"].areas.assign(boundary_quality=long.strip())
    )
    page = _text(
        render_html(make_map(city, inputs["access"], category="library", threshold_min=10))
    )
    assert f"title='{long.strip()}'" in page
    assert "surveyed by the city in 2019" in _info(page)


def test_english_variant_keeps_english_quality_and_gaps(inputs):
    m = make_map(inputs["city"], inputs["access"], category="library", threshold_min=10, lang="en")
    info = _info(_text(render_html(m)))
    assert "approximate: 2" in info and "official: 2" in info
    assert "Social services: no located service – no coverage computed" in info
    assert "Known services without a location (not included)" in info


def test_site_popup_gini_of_coverage_share_new_and_old_names(inputs, full_html):
    import dataclasses

    sites = _site_popups(_text(full_html))
    assert "Gini för täckningsandel mellan områden</b>: 0,420 → 0,310 (-0,110)" in sites
    old = inputs["siting"].per_site.rename(
        columns={
            "gini_coverage_share_before": "gini_before",
            "gini_coverage_share_after": "gini_after",
            "gini_coverage_share_change": "delta_gini",
        }
    )
    siting = dataclasses.replace(inputs["siting"], per_site=old)
    page = _text(
        render_html(
            make_map(
                inputs["city"],
                inputs["access"],
                siting=siting,
                category="library",
                threshold_min=10,
            )
        )
    )
    assert "Gini för täckningsandel mellan områden</b>: 0,420 → 0,310 (-0,110)" in page


def _site_map(inputs, city=None, **siting_changes):
    import dataclasses

    siting = dataclasses.replace(inputs["siting"], **siting_changes)
    m = make_map(
        city or inputs["city"],
        inputs["access"],
        siting=siting,
        category="library",
        threshold_min=10,
    )
    return _site_popups(_text(render_html(m)))


def test_nonprofits_label_from_siting_result(inputs):
    ps = inputs["siting"].per_site.assign(
        nonprofits_label_sv=["2 inom 10 min", "inga inom 10 min", "1 inom 10 min"]
    )
    sites = _site_map(inputs, per_site=ps)
    assert "Ideella organisationer i närheten</b>: 2 inom 10 min<ul><li>Röda Korset" in sites
    assert "inga inom 10 min" in sites
    assert "Ideella organisationer i närheten</b>: inga<" not in sites


def test_nonprofits_without_data_do_not_claim_absence(inputs):
    import dataclasses

    import pandas as pd

    no_orgs = dataclasses.replace(inputs["city"], nonprofits=inputs["city"].nonprofits.iloc[0:0])
    sites = _site_map(inputs, city=no_orgs, nonprofits=pd.DataFrame())
    assert sites.count("ingen data om ideella organisationer") == 3
    assert ": inga" not in sites
    # the siting result says so explicitly
    sites = _site_map(inputs, per_site=inputs["siting"].per_site, nonprofits=pd.DataFrame())
    assert "ingen data om ideella organisationer" not in sites  # the city has non-profits
    assert "inga inom 500 m (fågelväg)" in sites
    flagged = dataclasses.replace(inputs["siting"], nonprofits=pd.DataFrame())
    flagged.nonprofit_data_available = False
    m = make_map(no_orgs, inputs["access"], siting=flagged, category="library", threshold_min=10)
    assert "ingen data om ideella organisationer" in _site_popups(_text(render_html(m)))


def test_helsingborg_info_box_is_swedish_and_lists_missing_services():
    city, access, siting = _helsingborg()
    m = make_map(city, access, siting=siting, category="library", threshold_min=15, profile="adult")
    info = _info(_text(render_html(m)))
    for english in (
        "(approximation)",
        "approximate (Voronoi",
        "district reference point",
        "locality reference point",
        "exact (OSM node)",
        "building reference point",
    ):
        assert english not in info, english
    assert "fågelvägsavstånd × 1,3 (uppskattning)" in info
    assert "stadsdelens referenspunkt" in info and "exakt (OSM-nod)" in info
    assert "ungefärliga (Voronoi-områden kring referenspunkter" in info
    assert "Bibliotek: 2 (Biblioteksbussen, Helsingborgs stadsbibliotek)" in info
    assert "Socialtjänst: ingen lokaliserad tjänst – ingen täckning beräknad" in info
    assert "Familjecentral (Helsingborg)" in info
    # Helsingborg has no non-profit data: the site popups must not say "inga"
    assert "ingen data om ideella organisationer" in _site_popups(_text(render_html(m)))


def test_title_box_warns_when_the_category_has_unlocated_services(inputs, full_html):
    page = _text(full_html)
    assert "px-unlocated-title" in page
    assert "Täckningen underskattas: 2 kända tjänster saknar läge (se Om kartan)" in page
    # the map's own category comes first, in bold, in the info box
    info = _info(page)
    assert "<b class='px-unlocated-current'>Bibliotek: 2 (Bokbussen, Huvudbiblioteket)</b>" in info
    m = make_map(inputs["city"], inputs["access"], category="health_centre", threshold_min=10)
    assert "px-unlocated-title" not in render_html(m)
