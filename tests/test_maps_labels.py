"""Tests of proximity.maps.labels: Swedish/English wording, the floor-area proxy, quality values."""

from __future__ import annotations

import re

import _maps_common as mc

from proximity.maps import make_map, render_html


def test_persons_are_not_flagged_as_proxy(full_html):
    page = mc.text(full_html)
    assert "px-population-proxy-flag" not in page and "px-proxy-title" not in page
    assert "bostadsyta" not in page.lower()
    assert "Nya täckta invånare" in page and "Invånare utan tillgång" in page


def test_floor_area_proxy_is_labelled_not_counted_as_residents(map_inputs):
    """A floor-area demand (population_is_proxy) is labelled as m² floor area, the share
    leads the popups, a flag line is shown, and nothing claims residents ("invånare")."""
    city = mc.proxy_city(map_inputs["city"])
    m = make_map(
        city,
        map_inputs["access"],  # duck-typed: no population_unit, the city's demand decides
        siting=map_inputs["siting"],
        category="library",
        threshold_min=10,
        baseline=map_inputs["baseline"],
        show_residents=True,
    )
    page = mc.text(render_html(m))
    assert "invånare" not in page.lower()
    assert "<th>Befolkning</th>" not in page and not re.search(r"\d personer", page)
    info = page[page.index('"px-info"') :]
    assert "px-population-proxy-flag" in info and mc.PROXY_FLAG in info
    assert "px-proxy-title" in page
    assert "Andel bostadsyta (proxy för befolkning) inom 10 minuters gång" in page
    assert "Ny täckt bostadsyta (m², proxy för befolkning)" in page
    areas = map_inputs["access"].areas
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


def test_floor_area_proxy_english(map_inputs):
    m = make_map(
        mc.proxy_city(map_inputs["city"]),
        map_inputs["access"],
        category="library",
        threshold_min=10,
        lang="en",
        show_residents=True,
    )
    page = mc.text(render_html(m))
    assert "Population is estimated from residential floor area in OSM (m²)" in page
    # texts are HTML-escaped in the page (the apostrophe shows literally)
    assert "Share of residential floor area (population proxy) within 10 minutes&#x27; walk" in page
    assert not re.search(r"(?<![-\w])residents?\b", page.lower())  # not the CSS class


def test_english_variant(map_inputs):
    m = make_map(
        map_inputs["city"],
        map_inputs["access"],
        siting=map_inputs["siting"],
        category="library",
        threshold_min=10,
        lang="en",
    )
    page = mc.text(render_html(m))
    assert "Share of residents within 10 minutes&#x27; walk" in page  # escaped, shown literally
    assert "Proposed district office no. 1" in page
    assert "straight-line distance × 1.3 (approximation)" in page
    assert 'lang="en"' in page


def test_quality_values_in_swedish_with_full_text(map_inputs, full_html):
    import dataclasses

    info = mc.info(mc.text(full_html))
    assert "officiell: 2" in info and "ungefärlig: 2" in info
    assert "approximate: 2" not in info and "(approximation)" not in info
    # an unknown long value is kept (not translated) and its full text is in a tooltip
    long = "surveyed by the city in 2019 from aerial photographs and checked on site, " * 2
    city = dataclasses.replace(
        map_inputs["city"], areas=map_inputs["city"].areas.assign(boundary_quality=long.strip())
    )
    page = mc.text(
        render_html(make_map(city, map_inputs["access"], category="library", threshold_min=10))
    )
    assert f"title='{long.strip()}'" in page
    assert "surveyed by the city in 2019" in mc.info(page)


def test_english_variant_keeps_english_quality_and_gaps(map_inputs):
    m = make_map(
        map_inputs["city"], map_inputs["access"], category="library", threshold_min=10, lang="en"
    )
    info = mc.info(mc.text(render_html(m)))
    assert "approximate: 2" in info and "official: 2" in info
    assert "Social services: no located service – no coverage computed" in info
    assert "Known services without a location (not included)" in info


# ---- distance method, labels of categories/profiles/total (unit) ---------------------------


def test_distance_method_text_from_the_label_and_the_typed_value():
    from types import SimpleNamespace as NS

    from proximity.distance_method import DistanceMethod
    from proximity.maps.labels import distance_method, distance_method_text, is_crowfly

    crow = NS(distance_method="crowfly×1.3")
    assert distance_method_text(crow) == "fågelvägsavstånd × 1,3 (uppskattning)"
    assert distance_method_text(crow, "en") == "straight-line distance × 1.3 (approximation)"
    assert is_crowfly(crow)
    net = NS(distance_method="network")
    assert distance_method_text(net) == "gångnätverk (OpenStreetMap)" and not is_crowfly(net)
    typed = NS(distance_method=DistanceMethod.crowfly(1.5))
    assert distance_method(typed) == "crowfly×1.5"
    assert distance_method_text(typed) == "fågelvägsavstånd × 1,5 (uppskattning)"


def test_distance_method_without_the_attribute_reads_the_areas_table():
    from types import SimpleNamespace as NS

    import pandas as pd

    from proximity.maps.labels import distance_method, distance_method_text, is_crowfly

    table = NS(areas=pd.DataFrame({"distance_method": [None, "crowfly×2"]}))
    assert distance_method(table) == "crowfly×2" and is_crowfly(table)
    assert distance_method_text(table) == "fågelvägsavstånd × 2 (uppskattning)"
    nothing = NS()
    assert distance_method(nothing) == "unknown" and not is_crowfly(nothing)
    assert distance_method_text(nothing) == "unknown"


def test_category_profile_and_total_labels(map_inputs):
    import dataclasses

    from proximity.maps.labels import category_label, profile_label, total_label
    from proximity.sources.city import total_area_label

    assert category_label("library") == "Bibliotek" and category_label("library", "en") == "Library"
    assert category_label("new_kind") == "new kind"
    assert profile_label("adult") == "Vuxen" and profile_label("adult", "en") == "adult"
    assert profile_label("unknown_profile") == "unknown_profile"
    city = map_inputs["city"]
    assert total_label(city) == total_area_label(city) == "Hela kommunen"
    assert total_label(city, "en") == "Whole municipality"
    study = dataclasses.replace(city, provenance={"kind": "study_area"})
    assert total_label(study) == "Hela studieområdet"
    assert total_label(study, "en") == "Whole study area"
