"""Tests of proximity.maps.draw: the layers (tiles, isochrones, site popups with Gini and non-profits)."""

from __future__ import annotations

import _maps_common as mc

from proximity.maps import make_map, render_html


def test_isochrones_layer(map_inputs):
    from shapely.geometry import Point

    syn = mc.synthetic()
    iso = {
        "library": Point(syn.X0 + 600, syn.Y0 + 3400).buffer(700),
        "health_centre": Point(syn.X0 + 1000, syn.Y0 + 3000).buffer(500),
    }
    m = make_map(
        map_inputs["city"],
        map_inputs["access"],
        category="library",
        threshold_min=10,
        isochrones=iso,
    )
    assert m.counts["isochrones"] == 2
    assert "Nåbart inom 10 min: Bibliotek" in mc.text(render_html(m))


def test_without_tiles(map_inputs):
    m = make_map(
        map_inputs["city"], map_inputs["access"], category="library", threshold_min=10, tiles=False
    )
    page = mc.text(render_html(m))
    assert "tile.openstreetmap.org" not in page
    assert "Ingen bakgrundskarta" in page
    assert "© OpenStreetMap-bidragsgivare, ODbL" in page


def test_site_popup_gini_of_coverage_share_new_and_old_names(map_inputs, full_html):
    import dataclasses

    sites = mc.site_popups(mc.text(full_html))
    assert "Gini för täckningsandel mellan områden</b>: 0,420 → 0,310 (-0,110)" in sites
    old = map_inputs["siting"].per_site.rename(
        columns={
            "gini_coverage_share_before": "gini_before",
            "gini_coverage_share_after": "gini_after",
            "gini_coverage_share_change": "delta_gini",
        }
    )
    siting = dataclasses.replace(map_inputs["siting"], per_site=old)
    page = mc.text(
        render_html(
            make_map(
                map_inputs["city"],
                map_inputs["access"],
                siting=siting,
                category="library",
                threshold_min=10,
            )
        )
    )
    assert "Gini för täckningsandel mellan områden</b>: 0,420 → 0,310 (-0,110)" in page


def test_nonprofits_label_from_siting_result(map_inputs):
    ps = map_inputs["siting"].per_site.assign(
        nonprofits_label_sv=["2 inom 10 min", "inga inom 10 min", "1 inom 10 min"]
    )
    sites = mc.site_map(map_inputs, per_site=ps)
    assert "Ideella organisationer i närheten</b>: 2 inom 10 min<ul><li>Röda Korset" in sites
    assert "inga inom 10 min" in sites
    assert "Ideella organisationer i närheten</b>: inga<" not in sites


def test_nonprofits_without_data_do_not_claim_absence(map_inputs):
    import dataclasses

    import pandas as pd

    no_orgs = dataclasses.replace(
        map_inputs["city"], nonprofits=map_inputs["city"].nonprofits.iloc[0:0]
    )
    sites = mc.site_map(map_inputs, city=no_orgs, nonprofits=pd.DataFrame())
    assert sites.count("ingen data om ideella organisationer") == 3
    assert ": inga" not in sites
    # the siting result says so explicitly
    sites = mc.site_map(
        map_inputs, per_site=map_inputs["siting"].per_site, nonprofits=pd.DataFrame()
    )
    assert "ingen data om ideella organisationer" not in sites  # the city has non-profits
    assert "inga inom 500 m (fågelväg)" in sites
    flagged = dataclasses.replace(map_inputs["siting"], nonprofits=pd.DataFrame())
    flagged.nonprofit_data_available = False
    m = make_map(
        no_orgs, map_inputs["access"], siting=flagged, category="library", threshold_min=10
    )
    assert "ingen data om ideella organisationer" in mc.site_popups(mc.text(render_html(m)))
