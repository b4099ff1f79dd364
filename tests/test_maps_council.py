"""Maps a council committee can act on (issue 13): named sites, titles that say what the map
shows, a headline, the boundary and area names (proximity.maps.sites, proximity.maps.overlays).
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from proximity.maps import make_map, render_html
from proximity.maps.overlays import category_phrase, headline_text, map_title
from proximity.maps.site_views import cumulative_shares, site_display_name, site_table
from proximity.maps.sites import robustness_text
from proximity.maps.views import select_coverage
from tests._maps_common import NBSP, text


def _page(inputs, **kw) -> str:
    args = {
        "siting": inputs["siting"],
        "category": "library",
        "threshold_min": 10,
        "profile": "adult",
        "baseline": inputs["baseline"],
    }
    args.update(kw)
    page = render_html(make_map(inputs["city"], inputs["access"], **args))
    return text(page).replace('\\"', '"')


def test_title_says_what_the_map_shows():
    assert map_title("library", 15, "adult") == (
        "Andel som når ett bibliotek inom 15 minuters promenad (vuxen)"
    )
    assert map_title("health_centre", 7.5, "elderly").startswith(
        "Andel som når en vårdcentral inom 7,5 minuters promenad (äldre"
    )
    assert category_phrase("district_office") == "ett stadsdelskontor"
    assert map_title("library", 10, "adult", lang="en").startswith("Share who reach a library")


def test_headline_in_swedish_number_format(map_inputs):
    rows, _total = select_coverage(
        map_inputs["access"], category="library", threshold_min=10, profile="adult"
    )
    rows = rows.assign(population=[30000.0, 22000.0, 40000.0, 10000.0])
    rows = rows.assign(covered=[20000.0, 22000.0, 10337.0, 0.0])
    line = headline_text(
        rows, None, category="district_office", threshold_min=15, baseline_share=0.02
    )
    assert line == (
        f"51{NBSP}% av invånarna (52{NBSP}337 personer) når ett stadsdelskontor inom 15 min,"
        f" i dag 2{NBSP}%"
    )


def test_map_has_title_subtitle_and_headline(map_inputs):
    page = _page(map_inputs, title="Motion 2026")
    assert (
        "<title>Andel som når ett bibliotek inom 10 minuters promenad (vuxen) – Motion 2026</title>"
        in page
    )
    assert "<div class='px-subtitle'>Motion 2026</div>" in page
    assert "id='px-headline'>" in page and "av invånarna" in page and ", i dag " in page


def test_two_categories_get_two_titles(map_inputs):
    lib = _page(map_inputs, siting=None, baseline=None)
    other = _page(map_inputs, siting=None, baseline=None, category="health_centre")
    get = lambda p: p[p.index("<title>") : p.index("</title>")]  # noqa: E731
    assert get(lib) != get(other)


def test_sites_are_named_in_label_tooltip_and_popup(map_inputs):
    page = _page(map_inputs)
    assert 'class="px-site-label" data-rank="1">1 Biblioteket Öster</div>' in page
    assert '"_tooltip":"Förslag: 1 Biblioteket Öster"' in page
    assert "<h4>Föreslaget stadsdelskontor nr 1: Biblioteket Öster</h4>" in page
    for row in ("Område", "Läge", "Andel som når efter förslag 1", "Robusthet"):
        assert f"<th>{row}" in page
    assert "Andel som når efter förslag 1–2" in page
    assert "Röda Korset" in page  # non-profits within reach
    assert "pxSpread" in page  # overlapping labels are spread apart


def test_grid_candidate_without_name_gets_rank_and_area(map_inputs):
    assert site_display_name("", 2, "Öster") == "Rutnätspunkt 2 (Öster)"
    assert site_display_name(float("nan"), 3, None) == "Rutnätspunkt 3 (okänt område)"
    assert site_display_name(" Skolan ", 1, "Öster") == "Skolan"
    siting = map_inputs["siting"]
    nameless = dataclasses.replace(siting, per_site=siting.per_site.assign(name=["", "", ""]))
    page = _page(map_inputs, siting=nameless)
    assert "1 Rutnätspunkt 1 (Öster)" in page
    assert "Föreslaget stadsdelskontor nr 2: Rutnätspunkt 2 (Söder)" in page


def test_cumulative_share_and_robustness(map_inputs):
    siting = map_inputs["siting"]
    table = site_table(siting, map_inputs["city"])
    shares = cumulative_shares(siting, table)
    assert shares[-1] == 395.0 / 1895.0  # before (160) + all gains (235)
    assert robustness_text(siting, "c7") == "inte beräknad"
    rob = pd.DataFrame(
        {
            "candidate_id": ["c7", "c2"],
            "times_chosen": [7, 2],
            "n_scenarios": 9,
            "in_solution": True,
            "share": [7 / 9, 2 / 9],
        }
    )
    robust = dataclasses.replace(siting, robustness=rob)
    assert robustness_text(robust, "c7") == (
        "vald i 7 av 9 beräkningar (gångprofiler × tidsgränser)"
    )
    assert "vald i 2 av 9 beräkningar" in _page(map_inputs, siting=robust)


def test_boundary_and_area_names_are_drawn(map_inputs):
    m = make_map(
        map_inputs["city"],
        map_inputs["access"],
        category="library",
        threshold_min=10,
        profile="adult",
    )
    page = text(render_html(m)).replace('\\"', '"')
    assert m.counts["boundary"] == 1 and m.counts["area_labels"] == 4
    assert '"className":"px-boundary"' in page
    for name in ("Norr", "Öster", "Söder", "Väster"):
        assert re.search(f'"html":"<span data-area=.[0-9]+.>{name}</span>"', page), name


def test_walking_network_as_a_light_layer(map_inputs):
    import geopandas as gpd
    from shapely.geometry import LineString

    syn = mc_synthetic()
    x0, y0 = syn.X0, syn.Y0
    edges = gpd.GeoDataFrame(
        geometry=[
            LineString([(x0 + 100, y0 + 100), (x0 + 2000, y0 + 100)]),
            LineString([(x0 + 2000, y0 + 100), (x0 + 2000, y0 + 3000)]),
        ],
        crs=3006,
    )

    class FakeNetwork:
        def edges_gdf(self):
            return edges

    m = make_map(
        map_inputs["city"],
        map_inputs["access"],
        category="library",
        threshold_min=10,
        profile="adult",
        network=FakeNetwork(),
    )
    page = text(render_html(m))
    assert m.counts["network_edges"] == 2
    assert '"className":"px-network"' in page and "Gångnätverk (OpenStreetMap)" in page
    assert page.index("px-network") < page.index('"className":"px-area')  # under the areas
    plain = make_map(
        map_inputs["city"],
        map_inputs["access"],
        category="library",
        threshold_min=10,
        profile="adult",
    )
    assert "network_edges" not in plain.counts


def test_walking_network_is_merged_simplified_and_rounded():
    """Two joined edges become one line; 1 m wiggles (under the 3 m tolerance) go; 5 decimals."""
    import json
    import re as _re

    import geopandas as gpd
    from shapely.geometry import LineString

    from proximity.maps.elements import ProximityMap
    from proximity.maps.overlays import add_network

    syn = mc_synthetic()
    x0, y0 = syn.X0, syn.Y0
    wiggly = [(x0 + 10 * i, y0 + (1.0 if i % 2 else 0.0)) for i in range(101)]  # 1 km east
    edges = gpd.GeoDataFrame(
        geometry=[LineString(wiggly), LineString([(x0 + 1000, y0), (x0 + 1000, y0 + 800)])],
        crs=3006,
    )
    fmap = ProximityMap(location=[56, 12], tiles=None)
    fmap.counts = {}
    add_network(edges, fmap)
    page = fmap.get_root().render()
    data = json.loads(_re.search(r"var data = (\{.*?\});\n", page).group(1))
    geom = data["features"][0]["geometry"]
    assert geom["type"] == "LineString"  # merged into one line
    # kept: the start, the corner and the end (the 1 m wiggles are under 3 m)
    assert len(geom["coordinates"]) == 3, geom["coordinates"]
    for lon, lat in geom["coordinates"]:
        assert round(lon, 5) == lon and round(lat, 5) == lat
    corner = gpd.GeoSeries.from_xy([x0 + 1000], [y0], crs=3006).to_crs(4326).iloc[0]
    assert abs(geom["coordinates"][1][0] - corner.x) < 2e-5
    assert abs(geom["coordinates"][1][1] - corner.y) < 2e-5


def mc_synthetic():
    from tests._maps_common import synthetic

    return synthetic()
