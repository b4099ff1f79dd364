"""proximity.maps.area_class: class colours and texts, and nothing for areas without a class.

The area table below is synthetic (two hand-made squares); the Göteborg map is checked in
tests/test_scenario_goteborg_hisingen.py.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from proximity.maps.area_class import (
    CLASS_COLOURS,
    UNCLASSED_COLOUR,
    add_area_class,
    class_colour,
    class_text,
)
from proximity.maps.elements import ProximityMap


def _areas(with_class: bool) -> gpd.GeoDataFrame:
    cols = {"area_id": ["a", "b"], "name": ["A", "B"]}
    if with_class:
        cols |= {
            "socioek_klass": ["Stora utmaningar", "Ej klassificerat"],
            "socioek_rank": ["1", ""],
        }
    return gpd.GeoDataFrame(
        cols, geometry=[box(12.0, 57.0, 12.01, 57.01), box(12.01, 57.0, 12.02, 57.01)], crs=4326
    )


def test_colours_and_texts() -> None:
    assert class_colour("1") == CLASS_COLOURS[0] and class_colour(6) == CLASS_COLOURS[5]
    assert class_colour("") == UNCLASSED_COLOUR and class_colour(7) == UNCLASSED_COLOUR
    assert class_text(pd.Series({"socioek_klass": "X"})) == "X"
    assert class_text(pd.Series({"socioek_klass": ""})) is None
    assert class_text(pd.Series({"name": "A"})) is None


def test_layer_only_with_a_class_column() -> None:
    m = ProximityMap(location=[57.0, 12.0])
    m.counts = {}  # as make_map sets it
    add_area_class(_areas(False), m)
    assert "area_class" not in m.counts
    add_area_class(_areas(True), m)
    assert m.counts["area_class"] == 2
    html = m.get_root().render()
    assert "A: Stora utmaningar" in html and "B: Ej klassificerat" in html
    assert "Socioekonomisk klass" in html
