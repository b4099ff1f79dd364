"""Map building blocks: Leaflet elements, the page CSS, marker and popup HTML, styles.

Elements render fixed, escaped content: :class:`Raw` (verbatim HTML in the page header),
:class:`GeoJsonFeatures` (a FeatureCollection with per-feature style, ``L.divIcon`` markers and
popups), :class:`Control` (a legend/info/title box) and :class:`MapScript` (JavaScript run
once the map exists).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from proximity._text import html_text

__all__ = [
    "CATEGORY_STYLE",
    "CSS",
    "DEFAULT_STYLE",
    "OSM_TILES",
    "Control",
    "GeoJsonFeatures",
    "MapScript",
    "ProximityMap",
    "Raw",
    "class_token",
    "collection",
    "feature",
    "js_json",
    "panel_html",
    "pin_html",
    "popup_table",
]

#: Tile URL template of the OpenStreetMap standard layer (used from JavaScript only).
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

#: Font Awesome 6 (solid) icon and colour per service category.
CATEGORY_STYLE: dict[str, tuple[str, str]] = {
    "labour_market": ("briefcase", "#1f78b4"),
    "social_services": ("hand-holding-heart", "#e7298a"),
    "health_centre": ("house-medical", "#d7301f"),
    "library": ("book", "#6a3d9a"),
    "housing_company_office": ("building", "#8c510a"),
    "meeting_place": ("people-group", "#33a02c"),
    "youth_centre": ("child-reaching", "#ff7f00"),
    "citizen_service": ("circle-info", "#01665e"),
    "district_office": ("landmark", "#111111"),
}
DEFAULT_STYLE = ("location-dot", "#555555")


def js_json(obj: Any) -> str:
    """JSON for embedding in a ``<script>``.

    UTF-8 is kept readable; ``<``, ``>``, ``&`` and the JS line separators are escaped so
    that no text can close the script element.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def class_token(text: str) -> str:
    """``text`` as one CSS class-name token.

    Anything but letters, digits, ``-`` and ``_`` becomes ``_``, so a category from data
    cannot add classes or leave the attribute.
    """
    return re.sub(r"[^\w-]", "_", str(text))


class Raw(Element):
    """An element that renders a fixed string verbatim (no Jinja parsing of its content)."""

    _template = Template("{{ this.raw }}")

    def __init__(self, raw: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.raw = raw


# Map elements
# --------------------------------------------------------------------------------------


class GeoJsonFeatures(MacroElement):
    """Adds a GeoJSON FeatureCollection to the parent layer.

    With per-feature style, ``L.divIcon`` markers (``properties._icon``), circle markers
    and popups.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var data = {{ this.data_json }};
            L.geoJSON(data, {
                style: function (f) { return f.properties._style || {}; },
                pointToLayer: function (f, latlng) {
                    var p = f.properties;
                    if (p._icon) {
                        if (p._static) {
                            return L.marker(latlng, {icon: L.divIcon(p._icon),
                                interactive: false, keyboard: false, zIndexOffset: -500});
                        }
                        return L.marker(latlng, {icon: L.divIcon(p._icon),
                            title: p._title || "", alt: p._title || "",
                            riseOnHover: true, zIndexOffset: p._z || 0});
                    }
                    return L.circleMarker(latlng, p._style || {});
                },
                onEachFeature: function (f, layer) {
                    if (f.properties._popup) {
                        layer.bindPopup(f.properties._popup, {maxWidth: 300,
                            // on a phone a long popup scrolls: it fits between the panels
                            maxHeight: window.innerWidth < 640 ?
                                Math.round(window.innerHeight * 0.4) : null});
                    }
                    if (f.properties._tooltip) {
                        layer.bindTooltip(f.properties._tooltip, {sticky: true});
                    }
                }
            }).addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "GeoJsonFeatures"
        self.data = data
        self.data_json = js_json(data)


class Control(MacroElement):
    """A Leaflet control holding fixed HTML (legend, info box, title)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var ctl = L.control({position: {{ this.position|tojson }}});
            ctl.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                div.id = {{ this.element_id|tojson }};
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                var b = div.querySelector("button.px-toggle");
                if (b) {
                    var body = b.nextElementSibling;
                    var set = function (open) {
                        b.setAttribute("aria-expanded", open ? "true" : "false");
                        body.hidden = !open;
                    };
                    b.addEventListener("click", function () {
                        var open = b.getAttribute("aria-expanded") !== "true";
                        if (open && window.innerWidth < 640) {  // one panel at a time
                            document.querySelectorAll("button.px-toggle[aria-expanded=true]")
                                .forEach(function (o) { if (o !== b) { o.click(); } });
                        }
                        set(open);
                    });
                    if (window.innerWidth < 640) { set(false); }
                }
                return div;
            };
            ctl.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, markup: str, *, element_id: str, position: str, css_class: str):
        super().__init__()
        self._name = "Control"
        self.html = markup
        self.html_json = js_json(markup)
        self.element_id = element_id
        self.position = position
        self.css_class = css_class


class MapScript(MacroElement):
    """Free JavaScript run after the map exists (``map`` is bound to the Leaflet map)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
        {{ this.js }}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, js: str) -> None:
        super().__init__()
        self._name = "MapScript"
        self.js = js


CSS = """
<style>
.leaflet-container { background: #f4f2ee; font-family: system-ui, -apple-system, "Segoe UI",
  Roboto, Arial, sans-serif; }
.px-box { background: rgba(255,255,255,0.95); padding: 6px 10px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 14px; line-height: 1.35;
  max-width: min(340px, 70vw); max-height: 55vh; overflow-y: auto; color: #222; }
.px-toggle { font: inherit; font-weight: 600; background: none; border: none; padding: 2px 0;
  cursor: pointer; color: #222; }
.px-toggle::before { content: "▾ "; }
.px-toggle[aria-expanded=false]::before { content: "▸ "; }
.px-toggle:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
.px-box ul { margin: 4px 0; padding-left: 18px; }
.px-title { font-size: 15px; font-weight: 600; max-width: min(520px, 75vw); }
.px-heading { font-size: inherit; margin: 0; }
.px-subtitle { font-weight: 400; font-size: 13px; color: #444; }
.px-headline { margin-top: 4px; padding: 3px 6px; background: #eef3fb; border-left: 4px solid #2a788e;
  font-weight: 600; }
.px-legend-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.px-swatch { width: 18px; height: 14px; border: 1.5px solid #444444; flex: none;
  background: #f4f2ee; display: inline-block; box-sizing: border-box; }
.px-swatch-fill { display: block; width: 100%; height: 100%; }
.px-flag { color: #8a1c00; background: #fff1e6; border-left: 4px solid #d94801;
  padding: 3px 6px; margin: 4px 0; font-weight: 600; }
.px-pin { width: 26px; height: 26px; border-radius: 50%; border: 2px solid #fff;
  box-shadow: 0 1px 3px rgba(0,0,0,0.5); color: #fff; display: flex;
  align-items: center; justify-content: center; font-size: 13px; box-sizing: border-box; }
.px-site-pin { width: 34px; height: 34px; border-radius: 50% 50% 50% 0; transform: rotate(-45deg);
  background: #c51b7d; border: 3px solid #fff; box-shadow: 0 1px 4px rgba(0,0,0,0.6);
  display: flex; align-items: center; justify-content: center; box-sizing: border-box; }
.px-site-pin span { transform: rotate(45deg); color: #fff; font-weight: 700; font-size: 15px; }
.px-office-pin { border-radius: 4px; }
.px-site-label { position: absolute; left: 36px; top: 0; white-space: nowrap; font-weight: 700;
  font-size: 13px; color: #1a1a1a; background: rgba(255,255,255,0.92); padding: 1px 5px;
  border: 1px solid #c51b7d; border-radius: 3px; pointer-events: none; }
.px-site-leader { position: absolute; left: 35px; top: 10px; width: 0; display: none;
  border-left: 2px solid #c51b7d; pointer-events: none; }
.px-area-label span { position: absolute; transform: translate(-50%, -50%); }
.px-area-label { background: transparent; border: none; color: #111; font-size: 12px;
  font-weight: 600; white-space: nowrap; text-align: center; pointer-events: none;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; }
.px-popup { font-size: 13px; line-height: 1.35; }
.px-popup ul { margin: 2px 0 4px 0; padding-left: 18px; }
.px-popup table { border-collapse: collapse; font-size: 13px; }
.px-popup td, .px-popup th { padding: 1px 6px 1px 0; text-align: left; vertical-align: top; }
.px-popup td.num { text-align: right; }
.px-popup h4 { margin: 0 0 4px 0; font-size: 14px; }
.leaflet-div-icon.px-marker { background: transparent; border: none; }
@media (max-width: 640px) {
  .leaflet-control-attribution { font-size: 10px; max-width: 50vw; }
  .px-box { font-size: 13px; max-width: 80vw; max-height: 45vh; }
  .px-title { font-size: 13px; }
  .px-site-label { max-width: 62vw; overflow: hidden; text-overflow: ellipsis; }
}
</style>
"""


def pin_html(icon: str, colour: str, extra_class: str = "") -> str:
    """A round marker pin with a Font Awesome (solid) icon."""
    return (
        f'<div class="px-pin {extra_class}" style="background:{colour}">'
        f'<i class="fa-solid fa-{icon}" aria-hidden="true"></i></div>'
    )


def panel_html(label: str, body: str, body_id: str) -> str:
    """A panel that opens and closes from the keyboard: a button with ``aria-expanded``.

    ``label`` is plain text (escaped here), ``body`` is HTML. Open at start, closed on
    narrow screens (see :class:`Control`).
    """
    return (
        f"<button type='button' class='px-toggle' aria-expanded='true' "
        f"aria-controls='{body_id}'>{html_text(label)}</button>"
        f"<div class='px-panel-body' id='{body_id}'>{body}</div>"
    )


def popup_table(title: str, rows: Sequence[tuple[str, str]], extra: str = "") -> str:
    """Popup HTML: a title, a two-column table of ``(label, value)`` rows and extra HTML."""
    body = "".join(
        f"<tr><th>{html_text(k)}</th><td class='num'>{html_text(v)}</td></tr>" for k, v in rows
    )
    return f"<div class='px-popup'><h4>{html_text(title)}</h4><table>{body}</table>{extra}</div>"


def feature(geom: Any, props: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON feature of a shapely geometry."""
    from shapely.geometry import mapping

    return {"type": "Feature", "geometry": mapping(geom), "properties": props}


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": features}


class ProximityMap(folium.Map):
    """A :class:`folium.Map` that remembers whether it is meant to work offline.

    Attributes
    ----------
    offline
        Whether assets are inlined (see :func:`render_html`).
    counts
        Number of features per layer kind (``areas, services, offices, sites, residents,
        isochrones``), for tests and QA.
    """

    offline: bool
    lang: str
    counts: dict[str, int]
