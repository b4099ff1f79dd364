"""Offline assets of the maps: Leaflet, jQuery, Leaflet.markercluster and Font Awesome.

The files come from the ``xstatic-*`` packages (declared dependencies) and are inlined as
``<script>``/``<style>`` blocks (images and the solid webfont as ``data:`` URIs), so that a
saved map works without internet. :func:`inline_external` replaces the CDN links folium
adds by these copies (or drops the libraries our maps do not use) and refuses any other
external script or stylesheet.
"""

from __future__ import annotations

import base64
import functools
import importlib
import re
from pathlib import Path

from proximity.errors import OutputError

__all__ = ["asset_comment", "external_asset_urls", "inline_external", "offline_asset"]


def _xstatic_dir(module: str) -> Path:
    try:
        mod = importlib.import_module(f"xstatic.pkg.{module}")
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise OutputError(
            f"The package xstatic-{module.replace('_', '-')} is needed for offline maps.",
            fix=f"pip install xstatic-{module.replace('_', '-')}, or use offline=False.",
        ) from exc
    return Path(mod.BASE_DIR)


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _strip_sourcemap(text: str) -> str:
    return re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", text.rstrip()) + "\n"


@functools.cache
def offline_asset(name: str) -> str:
    """Inline ``<script>``/``<style>`` HTML for one bundled asset.

    ``name`` is one of ``leaflet_js, leaflet_css, jquery_js, fontawesome_css,
    markercluster_js, markercluster_css, markercluster_default_css``.
    """
    if name == "leaflet_js":
        d = _xstatic_dir("leaflet")
        return f"<script>{_strip_sourcemap((d / 'leaflet.js').read_text('utf-8'))}</script>"
    if name == "leaflet_css":
        d = _xstatic_dir("leaflet")
        css = (d / "leaflet.css").read_text("utf-8")
        css = re.sub(
            r"url\((images/[^)]+\.png)\)",
            lambda m: f"url({_data_uri(d / m.group(1), 'image/png')})",
            css,
        )
        return f"<style>{css}</style>"
    if name == "jquery_js":
        d = _xstatic_dir("jquery")
        return f"<script>{_strip_sourcemap((d / 'jquery.min.js').read_text('utf-8'))}</script>"
    if name == "fontawesome_css":
        d = _xstatic_dir("font_awesome")
        css = (d / "css" / "all.min.css").read_text("utf-8")
        solid = _data_uri(d / "webfonts" / "fa-solid-900.woff2", "font/woff2")

        def face(m: re.Match[str]) -> str:
            block = m.group(0)
            # keep only the solid face of Font Awesome 6 Free, with the font inlined
            if '"Font Awesome 6 Free"' in block and "font-weight:900" in block:
                return re.sub(r"src:[^;}]+", f'src:url({solid}) format("woff2")', block)
            return ""

        css = re.sub(r"@font-face\{[^}]*\}", face, css)
        return f"<style>{css}</style>"
    if name == "markercluster_js":
        d = _xstatic_dir("leaflet_markercluster")
        js = _strip_sourcemap((d / "leaflet.markercluster.js").read_text("utf-8"))
        return f"<script>{js}</script>"
    if name in ("markercluster_css", "markercluster_default_css"):
        d = _xstatic_dir("leaflet_markercluster")
        fname = "MarkerCluster.css" if name == "markercluster_css" else "MarkerCluster.Default.css"
        return f"<style>{(d / fname).read_text('utf-8')}</style>"
    raise KeyError(name)


#: How CDN links that folium (or its plugins) may add are handled offline: an asset name
#: to inline, or ``None`` to drop the link (the library is not used by our maps).
_CDN_RULES: tuple[tuple[str, str | None], ...] = (
    (r"leaflet\.markercluster[^/]*\.js$", "markercluster_js"),
    (r"MarkerCluster\.Default\.css$", "markercluster_default_css"),
    (r"MarkerCluster\.css$", "markercluster_css"),
    (r"awesome-markers|awesome\.rotate", None),
    (r"bootstrap", None),
    (r"/leaflet(@[0-9.]+)?/dist/leaflet\.js$|/leaflet\.js$", "leaflet_js"),
    (r"/leaflet(@[0-9.]+)?/dist/leaflet\.css$|/leaflet\.css$", "leaflet_css"),
    (r"jquery[-.0-9]*(\.min)?\.js$", "jquery_js"),
    (r"fontawesome|font-awesome", "fontawesome_css"),
)

_EXTERNAL_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"'](?P<js>(?:https?:)?//[^\"']+)[\"'][^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"'](?P<css>(?:https?:)?//[^\"']+)[\"'][^>]*/?>",
    re.IGNORECASE,
)


def asset_comment(name: str) -> str:
    """One bundled asset as HTML, marked so that :func:`inline_external` does not add it again."""
    return f"<!--proximity-asset:{name}-->" + offline_asset(name)


def inline_external(page: str) -> str:
    """Replace known CDN ``<script src>``/``<link href>`` tags by inlined assets.

    Raises
    ------
    OutputError
        If an external script or stylesheet is not one we can inline or safely drop.
    """
    seen: set[str] = set(re.findall(r"<!--proximity-asset:(\w+)-->", page))

    def repl(m: re.Match[str]) -> str:
        url = m.group("js") or m.group("css")
        for pattern, asset in _CDN_RULES:
            if re.search(pattern, url, re.IGNORECASE):
                if asset is None or asset in seen:
                    return ""
                seen.add(asset)
                return asset_comment(asset)
        raise OutputError(
            f"The map needs an external asset that cannot be bundled offline: {url}",
            fix="Remove the plugin that needs it, or build the map with offline=False.",
        )

    return _EXTERNAL_TAG.sub(repl, page)


def external_asset_urls(page: str) -> list[str]:
    """URLs of external ``<script src>`` and stylesheet ``<link href>`` tags in a page."""
    return [m.group("js") or m.group("css") for m in _EXTERNAL_TAG.finditer(page)]
