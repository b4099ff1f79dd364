"""Tests of proximity.maps.boxes: the title, legend and info boxes (flags, data gaps, quality)."""

from __future__ import annotations

import _maps_common as mc

from proximity.maps import make_map, render_html


def test_swedish_labels_and_info_box(full_html):
    full_html = mc.text(full_html)
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


def test_network_method_not_flagged(map_inputs):
    m = make_map(
        map_inputs["city"], map_inputs["network_access"], category="library", threshold_min=10
    )
    page = render_html(m)
    assert "gångnätverk (OpenStreetMap)" in page
    assert "px-crowfly-flag" not in page
    assert "fågelvägsavstånd" not in page


def test_info_box_lists_unlocated_services_and_categories_without_service(full_html):
    info = mc.info(mc.text(full_html))
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


def test_title_box_warns_when_the_category_has_unlocated_services(map_inputs, full_html):
    page = mc.text(full_html)
    assert "px-unlocated-title" in page
    assert "Täckningen underskattas: 2 kända tjänster saknar läge (se Om kartan)" in page
    # the map's own category comes first, in bold, in the info box
    info = mc.info(page)
    assert "<b class='px-unlocated-current'>Bibliotek: 2 (Bokbussen, Huvudbiblioteket)</b>" in info
    m = make_map(
        map_inputs["city"], map_inputs["access"], category="health_centre", threshold_min=10
    )
    assert "px-unlocated-title" not in render_html(m)


def test_helsingborg_info_box_is_swedish_and_lists_missing_services():
    city, access, siting = mc.helsingborg()
    m = make_map(city, access, siting=siting, category="library", threshold_min=15, profile="adult")
    info = mc.info(mc.text(render_html(m)))
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
    assert "ingen data om ideella organisationer" in mc.site_popups(mc.text(render_html(m)))
