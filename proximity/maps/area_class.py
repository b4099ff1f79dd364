"""The socio-economic class of each area on a map (issue 14: Göteborg).

When the areas carry a class attribute (:data:`CLASS_COLUMN`, Göteborg's socioekonomisk
områdesindelning, with its rank in :data:`RANK_COLUMN`, 1 = stora utmaningar), the map gets:

- a switchable layer "Socioekonomisk klass" (off at first, so the coverage fill stays the
  main picture): each area filled by its class in ColorBrewer's 6-class BrBG palette
  (diverging brown–teal, marked colour-blind safe by ColorBrewer; brown rather than orange so
  that the orange dots of residents without access stay visible on top), "Ej klassificerat"
  grey, with a tooltip "area: class";
- a legend of the classes that shows while the layer is on;
- :func:`class_text`: the class of one area, for the coverage layer's tooltip and popup.

Areas without the attribute (every other city) get nothing.
"""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from proximity._text import html_text
from proximity.maps.elements import (
    Control,
    GeoJsonFeatures,
    ProximityMap,
    collection,
    feature,
)

__all__ = [
    "CLASS_COLOURS",
    "CLASS_COLUMN",
    "RANK_COLUMN",
    "add_area_class",
    "class_colour",
    "class_text",
]

CLASS_COLUMN = "socioek_klass"
RANK_COLUMN = "socioek_rank"
#: ColorBrewer BrBG, 6 classes (colorbrewer2.org: colour-blind safe), rank 1 .. 6.
CLASS_COLOURS = ("#8c510a", "#d8b365", "#f6e8c3", "#c7eae5", "#5ab4ac", "#01665e")
UNCLASSED_COLOUR = "#9e9e9e"
CLASS_FILL_OPACITY = 0.8
#: The class layer's outlines are simplified by this many degrees (about 5 m): it repeats
#: every area polygon, and full detail would add megabytes to a city's map.
SIMPLIFY_DEG = 0.00005

_TEXT = {
    "sv": {
        "layer": "Socioekonomisk klass",
        "legend": "Socioekonomisk klass (Göteborgs Stad)",
        "hint": "Lagret slås på och av i lagerväljaren.",
        "class": "Klass",
    },
    "en": {
        "layer": "Socio-economic class",
        "legend": "Socio-economic class (City of Gothenburg)",
        "hint": "Switch the layer on and off in the layer control.",
        "class": "Class",
    },
}


class _LegendWithLayer(MacroElement):
    """Shows the class legend only while the class layer is on.

    The layer's JavaScript name is taken at render time (the saved map renames its elements
    to stable ids).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, layer) {
            var show = function (on) {
                var el = document.getElementById("px-class-legend");
                if (el) { el.style.display = on ? "" : "none"; }
            };
            map.whenReady(function () { setTimeout(function () { show(map.hasLayer(layer)); }, 0); });
            map.on("overlayadd", function (e) { if (e.layer === layer) { show(true); } });
            map.on("overlayremove", function (e) { if (e.layer === layer) { show(false); } });
        })({{ this._parent.get_name() }}, {{ this.layer.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: folium.FeatureGroup) -> None:
        super().__init__()
        self._name = "LegendWithLayer"
        self.layer = layer


def _rank(value: Any) -> int | None:
    r = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return int(r) if pd.notna(r) and 1 <= int(r) <= len(CLASS_COLOURS) else None


def class_colour(rank: Any) -> str:
    """The fill of a class rank (1 .. 6); grey for an unclassified area."""
    r = _rank(rank)
    return UNCLASSED_COLOUR if r is None else CLASS_COLOURS[r - 1]


def class_text(area: Any) -> str | None:
    """The class of one area row (``None`` when the areas carry no class)."""
    v = area.get(CLASS_COLUMN) if hasattr(area, "get") else None
    if v is None or (isinstance(v, float) and pd.isna(v)) or str(v).strip() == "":
        return None
    return str(v)


def _classes(areas: Any) -> pd.DataFrame:
    """``class, rank`` of each class present, in rank order (unclassified last)."""
    rank = (
        areas[RANK_COLUMN] if RANK_COLUMN in areas.columns else pd.Series(None, index=areas.index)
    )
    df = pd.DataFrame({"class": areas[CLASS_COLUMN].astype(str), "rank": rank.map(_rank)})
    df = df.drop_duplicates("class")
    return df.sort_values("rank", na_position="last", kind="stable")


def _legend_html(classes: pd.DataFrame, lang: str) -> str:
    t = _TEXT[lang]
    rows = "".join(
        f"<div><span class='px-swatch' style='display:inline-block;width:14px;height:14px;"
        f"margin-right:6px;vertical-align:middle;background:{class_colour(r['rank'])}'></span>"
        f"{html_text(r['class'])}</div>"
        for _, r in classes.iterrows()
    )
    return f"<b>{html_text(t['legend'])}</b>{rows}<div><i>{html_text(t['hint'])}</i></div>"


def add_area_class(areas_wgs84: Any, fmap: ProximityMap, lang: str = "sv") -> None:
    """The class layer and its legend, when the areas carry :data:`CLASS_COLUMN`.

    Parameters
    ----------
    areas_wgs84 : geopandas.GeoDataFrame
        The map's areas in EPSG:4326 (``area_id``, ``name``, the class columns).
    fmap : ProximityMap
        The map; ``fmap.counts["area_class"]`` is set to the number of areas drawn.
    lang : str
        ``"sv"`` or ``"en"``.
    """
    if CLASS_COLUMN not in getattr(areas_wgs84, "columns", ()):
        return
    t = _TEXT[lang]
    feats = []
    for _, a in areas_wgs84.iterrows():
        name = str(a.get("name", a["area_id"]))
        klass = class_text(a) or "–"
        style = {
            "fillColor": class_colour(a.get(RANK_COLUMN)),
            "fillOpacity": CLASS_FILL_OPACITY,
            "color": "#222222",
            "weight": 1,
            "className": "px-area-class",
        }
        props = {"area_id": str(a["area_id"]), "_style": style}
        props["_tooltip"] = html_text(f"{name}: {klass}")
        geom = a.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
        feats.append(feature(geom, props))
    layer = folium.FeatureGroup(name=html_text(t["layer"]), overlay=True, show=False)
    layer.add_child(GeoJsonFeatures(collection(feats)))
    layer.add_to(fmap)
    fmap.add_child(
        Control(
            _legend_html(_classes(areas_wgs84), lang),
            element_id="px-class-legend",
            position="bottomright",
            css_class="px-box px-class-legend",
        )
    )
    fmap.add_child(_LegendWithLayer(layer))
    fmap.counts["area_class"] = len(feats)
