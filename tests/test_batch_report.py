"""The national report: SCB bands from cumulative shares, rankings, escaping (SYNTHETIC rows)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from proximity.batch.report import band_table, write_report


def _rows():
    rows = []
    shares = {"0114": (0.2, 0.5, 0.9), "0180": (0.6, 0.8, 1.0), "1280": (0.1, 0.3, 0.7)}
    gini = {"0114": 0.30, "0180": 0.10, "1280": 0.45}
    names = {"0114": "Upplands Väsby", "0180": "Stockholm", "1280": "<script>Malmö"}
    for code, sh in shares.items():
        for thr, s in zip((300.0, 600.0, 1500.0), sh, strict=True):
            rows.append(
                dict(
                    kommun_kod=code,
                    kommun_namn=names[code],
                    category="grocery",
                    profile="adult",
                    group="all",
                    threshold_min=float("nan"),
                    threshold_m=thr,
                    covered_share=s,
                    gini_min=gini[code],
                )
            )
        rows.append(
            dict(
                kommun_kod=code,
                kommun_namn=names[code],
                category="grocery",
                profile="adult",
                group="all",
                threshold_min=10.0,
                threshold_m=float("nan"),
                covered_share=0.99,
                gini_min=gini[code],
            )
        )
    return pd.DataFrame(rows)


def test_bands_are_differences_of_cumulative_shares():
    t, names, rank_col = band_table(_rows())
    assert names == ["0–300 m", "300–600 m", "600–1500 m", "över 1500 m / ej nåbar"]
    assert rank_col == "inom 600 m"
    r = t.set_index("kommun_kod").loc["0114"]
    # by hand: 0.2 within 300; 0.5 - 0.2 = 0.3; 0.9 - 0.5 = 0.4; 1 - 0.9 = 0.1
    assert [r[n] for n in names] == pytest.approx([0.2, 0.3, 0.4, 0.1])
    assert t.set_index("kommun_kod")["rank_access"].to_dict() == {"0114": 2, "0180": 1, "1280": 3}
    assert t.set_index("kommun_kod")["rank_inequality"].to_dict() == {
        "0114": 2,
        "0180": 3,
        "1280": 1,
    }


def test_report_ranks_escapes_and_counts_missing_categories_as_zero(tmp_path):
    rows = _rows()
    shapes = {
        c: shapely.box(i, 0, i + 1, 1) for i, c in enumerate(["0114", "0180", "1280", "2584"])
    }
    extra = rows[rows["kommun_kod"] == "0114"].assign(
        kommun_kod="2584", kommun_namn="Kiruna", category="pharmacy"
    )
    k = pd.concat([rows, extra], ignore_index=True)
    g = gpd.GeoDataFrame(k, geometry=[shapes[c] for c in k["kommun_kod"]], crs=3006)
    html = write_report(g, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>Malmö" not in html and "&lt;script&gt;Malmö" in html
    access = html.split("Rangordning efter gångavstånd")[1].split("Rangordning efter ojämlikhet")[0]
    assert access.index("Stockholm") < access.index("Upplands Väsby") < access.index("Malmö")
    assert "Kiruna" in access  # no grocery in Kiruna: 0 %, listed, said so
    assert "1 kommun(er) utan belägen tjänst" in html
