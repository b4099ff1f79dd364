"""The report's static map figure (proximity.report.figure).

SYNTHETIC fixture: two 4 km × 4 km squares side by side in EPSG:3006 ("Väst" with a known
share of 0, "Öst" with 0.8), one existing service and two proposed sites; no real place.
The figure of the shipped motion scenario (conftest's ``runs``) is checked in the report.
"""

from __future__ import annotations

import io
import re
import struct
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import Point, box

from proximity.maps.views import AREA_FILL_OPACITY, SHARE_COLOURS
from proximity.report.figure import FIGURE_DPI, _label_offsets, map_figure

X0, Y0, SIDE = 360_000.0, 6_210_000.0, 4_000.0  # synthetic coordinates (SWEREF 99 TM)


def _city() -> SimpleNamespace:
    areas = gpd.GeoDataFrame(
        {"area_id": ["v", "o"], "name": ["Väst", "Öst"]},
        geometry=[
            box(X0, Y0, X0 + SIDE, Y0 + SIDE),
            box(X0 + SIDE, Y0, X0 + 2 * SIDE, Y0 + SIDE),
        ],
        crs="EPSG:3006",
    )
    services = gpd.GeoDataFrame(
        {"service_id": ["s1"], "name": ["Kontoret"], "category": ["district_office"]},
        geometry=[Point(X0 + 1.5 * SIDE, Y0 + 0.9 * SIDE)],
        crs="EPSG:3006",
    )
    return SimpleNamespace(
        areas=areas,
        services=services,
        boundary=areas.union_all(),
        crs="EPSG:3006",
        kind="municipality",
        name="Synthetic",
    )


def _rows() -> pd.DataFrame:
    return pd.DataFrame({"area_id": ["v", "o"], "covered_share": [0.0, 0.8]})


def _sites() -> pd.DataFrame:
    pts = gpd.GeoSeries(
        [Point(X0 + 0.5 * SIDE, Y0 + 0.2 * SIDE), Point(X0 + 0.52 * SIDE, Y0 + 0.2 * SIDE)],
        crs="EPSG:3006",
    ).to_crs(4326)
    return pd.DataFrame(
        {
            "rank": [1, 2],
            "site_id": ["c1", "c2"],
            "marginal_gain": [10.0, 5.0],
            "cumulative_gain": [10.0, 15.0],
            "area_id": ["v", "v"],
            "name": ["Biblioteket", ""],
            "lon": pts.x.to_numpy(),
            "lat": pts.y.to_numpy(),
        }
    )


def _figure(**kw):
    args = {
        "rows": _rows(),
        "category": "district_office",
        "measure": "andel invånare inom 15 minuters gång till stadsdelskontor",
        "names": {"v": "Väst", "o": "Öst"},
        "sites": _sites(),
    }
    args.update(kw)
    return map_figure(_city(), SimpleNamespace(), **args)


def _blend(hex_colour: str) -> np.ndarray:
    """The colour of a fill at AREA_FILL_OPACITY over white, computed by hand."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], float)
    return AREA_FILL_OPACITY * rgb + (1 - AREA_FILL_OPACITY) * 255


def test_two_renders_are_byte_identical():
    a, b = _figure(), _figure()
    assert a.png == b.png
    assert a.png[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_has_no_metadata_and_a_fixed_size():
    png = _figure().png
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        chunks.append(png[pos + 4 : pos + 8].decode("ascii"))
        pos += 12 + length
    assert not {"tEXt", "iTXt", "zTXt", "tIME"} & set(chunks)
    im = Image.open(io.BytesIO(png))
    assert im.size == (7 * FIGURE_DPI, round(7.4 * FIGURE_DPI))


def test_area_fills_use_the_map_palette_and_opacity():
    """Pixels inside each square have its class colour (viridis, 0 % and 75–90 %) over white."""
    im = np.asarray(Image.open(io.BytesIO(_figure(sites=None).png)).convert("RGB"), float)
    h, w, _ = im.shape
    # the map axes span x 0.01–0.99 and y 0.27–0.99 of the figure; the two squares (8 × 4 km)
    # fill its width (less 4 % padding each side), centred vertically
    ax_left, ax_w = 0.01 * w, 0.98 * w
    ax_mid_y = h * (1 - (0.27 + 0.72 / 2))
    pad = ax_w * 0.04 / 1.08
    square_w = (ax_w - 2 * pad) / 2
    for k, expected in ((0, _blend(SHARE_COLOURS[0])), (1, _blend(SHARE_COLOURS[4]))):
        x = int(ax_left + pad + (k + 0.25) * square_w)  # a quarter in: away from the name label
        y = int(ax_mid_y + 0.25 * square_w)
        assert np.abs(im[y, x] - expected).max() <= 2, (k, im[y, x], expected)


def test_caption_names_each_area_in_its_class_and_the_sites():
    fig = _figure()
    assert "0\u00a0%: Väst" in fig.caption
    assert "75–90\u00a0%: Öst" in fig.caption
    assert "1 Biblioteket (Väst)" in fig.caption
    assert "2 Rutnätspunkt 2 (Väst)" in fig.caption  # a site without a name
    assert "Befintliga platser för stadsdelskontor (svarta rutor): 1" in fig.caption
    assert fig.alt.startswith("Karta: andel invånare inom 15 minuters gång till stadsdelskontor")
    assert "kommungräns" in fig.alt and "2 numrerade förslag" in fig.alt


def test_site_numbers_are_red_and_drawn():
    im = np.asarray(Image.open(io.BytesIO(_figure().png)).convert("RGB")).astype(int)
    red = (np.abs(im - np.array([0xD7, 0x30, 0x1F])).max(axis=2) <= 8).sum()
    im0 = np.asarray(Image.open(io.BytesIO(_figure(sites=None).png)).convert("RGB")).astype(int)
    red0 = (np.abs(im0 - np.array([0xD7, 0x30, 0x1F])).max(axis=2) <= 8).sum()
    assert red0 == 0 and red > 200


def test_label_offsets_keep_labels_apart():
    """Five sites at one spot: every number gets its own place, at least a step apart."""
    xy = np.zeros((5, 2))
    off = _label_offsets(xy, span=1000.0)
    pos = xy + off
    d = np.hypot(*(pos[:, None, :] - pos[None, :, :]).transpose(2, 0, 1))
    assert (d[~np.eye(5, dtype=bool)] >= 30.0 - 1e-9).all()


def test_no_polygons_no_figure():
    city = _city()
    city.areas = city.areas.iloc[0:0]
    assert (
        map_figure(city, SimpleNamespace(), rows=_rows(), category="x", measure="m", names={})
        is None
    )


def test_the_motion_report_holds_the_map(runs):
    _, motion = runs
    out = motion.out_dir
    page = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "(report_map.png)" in md and (out / "report_map.png").is_file()
    fig = re.search(
        r"<figure><img src='data:image/png;base64,[^']+' alt='(Karta:[^']+)'>"
        r"<figcaption>([^<]+)</figcaption></figure>",
        page,
    )
    assert fig, "the map figure with its alt text and caption"
    sites = pd.read_csv(out / "tables" / "sites.csv").sort_values("rank")
    for rank, name in zip(sites["rank"], sites["name"], strict=True):
        assert f"{rank} {name}".replace("&", "&amp;") in fig.group(2)


@pytest.mark.parametrize("share, k", [(0.0, 0), (0.1, 1), (0.3, 2), (0.6, 3), (0.8, 4), (1.0, 5)])
def test_each_class_gets_its_palette_colour(share, k):
    rows = pd.DataFrame({"area_id": ["v", "o"], "covered_share": [share, share]})
    im = np.asarray(Image.open(io.BytesIO(_figure(rows=rows, sites=None).png)).convert("RGB"))
    target = _blend(SHARE_COLOURS[k])
    hits = (np.abs(im.astype(float) - target).max(axis=2) <= 2).sum()
    assert hits > 50_000  # two squares' worth, not just the legend swatch
