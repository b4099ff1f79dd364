"""Tests of proximity.maps.assets: offline maps inline Leaflet, jQuery, Font Awesome and markercluster."""

from __future__ import annotations

import _maps_common as mc
import pytest

from proximity.errors import OutputError
from proximity.maps import external_asset_urls, make_map, render_html, save_map


def test_offline_html_has_no_external_scripts_or_styles(full_html):
    assert not mc.SCRIPT_SRC_HTTP.search(full_html)
    assert not mc.LINK_HREF_HTTP.search(full_html)
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


def test_online_mode_keeps_cdn_links(map_inputs):
    m = make_map(
        map_inputs["city"],
        map_inputs["access"],
        category="library",
        threshold_min=10,
        offline=False,
    )
    page = render_html(m)
    assert mc.SCRIPT_SRC_HTTP.search(page)


def test_cluster_services_offline(map_inputs):
    m = make_map(
        map_inputs["city"],
        map_inputs["access"],
        category="library",
        threshold_min=10,
        cluster_services=True,
    )
    page = render_html(m)
    assert "markerClusterGroup" in page
    assert external_asset_urls(page) == []


def test_save_map_refuses_uninlinable_asset_and_leaves_nothing(tmp_path, map_inputs):
    from folium.plugins import Fullscreen

    m = make_map(map_inputs["city"], map_inputs["access"], category="library", threshold_min=10)
    Fullscreen().add_to(m)  # needs a CDN script we do not bundle
    with pytest.raises(OutputError, match="cannot be bundled offline"):
        save_map(m, tmp_path / "karta.html")
    assert list(tmp_path.iterdir()) == []
