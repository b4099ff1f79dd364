"""scenarios/goteborg-hisingen.toml (issue 14): offline crow-fly run, accounting, need-weight sweep.

The sweep's class shares and gaps are recomputed here without proximity: from the shipped
data files (demand points, area attributes, unlocated residents) and the chosen sites'
coordinates, by brute-force straight-line distances. Crow-fly walking time is distance × 1.3
(detour) / 1.3 m/s (adult) / 60, so 10 minutes is exactly 600 m in a straight line.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from proximity.cli import main
from proximity.sources.city import TOTAL_AREA_ID

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "goteborg-hisingen.toml"
DATA = REPO / "data" / "goteborg"
RUNS = ["before", "plain MCLP", "need weight 1.5", "need weight 2", "need weight 3"]
STORA = "Områden med stora socioekonomiska utmaningar"
SARSKILT_GODA = "Områden med särskilt goda socioekonomiska förutsättningar"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("PROXIMITY_OFFLINE", "1")
    out = tmp_path_factory.mktemp("gbg-hisingen") / "out"
    try:
        assert main(["run", str(SCENARIO), "--out", str(out), "--quiet"]) == 0
    finally:
        mp.undo()
    return out


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    a = gpd.read_file(DATA / "areas.geojson")
    return pd.DataFrame(a.drop(columns="geometry")).assign(area_id=a["area_id"].astype(str))


@pytest.fixture(scope="module")
def residents(areas: pd.DataFrame) -> pd.DataFrame:
    """Every Hisingen resident group once: located points (x, y) and unlocated (NaN)."""
    d = pd.read_csv(DATA / "demand.csv", dtype={"area_id": str, "demand_id": str})
    u = pd.read_csv(DATA / "unlocated.csv", dtype={"area_id": str})
    both = pd.concat(
        [d[["area_id", "x", "y", "population"]], u[["area_id", "population"]]], ignore_index=True
    )
    both = both.merge(areas[["area_id", "stadsomrade", "socioek_klass"]], on="area_id")
    return both[both["stadsomrade"] == "Hisingen"].reset_index(drop=True)


def _shares(res: pd.DataFrame, sites: pd.DataFrame) -> pd.Series:
    """Covered share (<= 600 m straight line to the nearest site) per class, by brute force."""
    covered = np.zeros(len(res), dtype=bool)
    for s in sites.itertuples():
        covered |= np.hypot(res["x"] - s.x, res["y"] - s.y).to_numpy() <= 600.0
    pop = res["population"].astype(float)
    by = res.assign(cov=pop * covered, pop=pop).groupby("socioek_klass")[["cov", "pop"]].sum()
    return by["cov"] / by["pop"]


def test_runs_offline_crowfly_labelled(run_dir: Path) -> None:
    areas = pd.read_csv(run_dir / "tables" / "areas.csv", dtype={"area_id": str})
    assert set(areas["distance_method"]) == {"crowfly×1.3"}
    sweep = pd.read_csv(run_dir / "tables" / "need_weights.csv")
    assert set(sweep["distance_method"]) == {"crowfly×1.3"}
    doc = (run_dir / "jamlikhet.md").read_text(encoding="utf-8")
    assert "fågelvägsavstånd × 1,3" in doc and "Behovsvikt 3,0" in doc
    assert json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["crowfly"] is True


def test_totals_match_the_accounting(run_dir: Path) -> None:
    areas = pd.read_csv(run_dir / "tables" / "areas.csv", dtype={"area_id": str})
    one = areas[
        (areas["category"] == "citizen_service")
        & (areas["profile"] == "adult")
        & (areas["threshold_min"] == 10)
    ]
    total = one[one["area_id"] == TOTAL_AREA_ID].iloc[0]
    assert total["population"] == 608_948
    assert total["unlocated"] == 2_207
    assert total["population"] - total["unlocated"] == 606_741
    parts = ("covered", "uncovered", "unsnapped", "unreachable", "unlocated")
    assert sum(total[c] for c in parts) == 608_948


def test_hisingen_has_24_primaromraden(areas: pd.DataFrame) -> None:
    # The issue text says 21; the official areas of 2025-01-01 hold 24 (Arendal unclassified).
    h = areas[areas["stadsomrade"] == "Hisingen"]
    assert len(h) == 24
    assert (h["name"] == "Norra Biskopsgården").sum() == 1
    assert (h["socioek_klass"] == "Ej klassificerat").sum() == 1


def test_sites_lie_in_hisingen(run_dir: Path, areas: pd.DataFrame) -> None:
    hisingen = set(areas.loc[areas["stadsomrade"] == "Hisingen", "area_id"])
    main_sites = pd.read_csv(run_dir / "tables" / "sites.csv", dtype={"area_id": str})
    sweep_sites = pd.read_csv(run_dir / "tables" / "need_weight_sites.csv", dtype={"area_id": str})
    assert len(main_sites) == 5 and set(main_sites["area_id"]) <= hisingen
    assert set(sweep_sites["area_id"]) <= hisingen
    assert sweep_sites.groupby("run").size().to_dict() == {r: 5 for r in RUNS[1:]}
    plain = sweep_sites[sweep_sites["run"] == "plain MCLP"]
    assert list(plain["candidate_id"]) == list(main_sites["candidate_id"])  # same siting


def test_sweep_rows_and_weights(run_dir: Path) -> None:
    sweep = pd.read_csv(run_dir / "tables" / "need_weights.csv")
    assert list(sweep["run"]) == RUNS
    w2 = sweep.set_index("run").loc["need weight 2", "weights"]
    assert w2 == f"{STORA}=2; Områden med socioekonomiska utmaningar=1.5"  # as stated
    w3 = sweep.set_index("run").loc["need weight 3", "weights"]
    assert w3 == f"{STORA}=3; Områden med socioekonomiska utmaningar=2"  # 1 + 2 x 0.5/1


def test_sweep_gaps_recomputed_by_brute_force(run_dir: Path, residents: pd.DataFrame) -> None:
    sweep = pd.read_csv(run_dir / "tables" / "need_weights.csv").set_index("run")
    sites = pd.read_csv(run_dir / "tables" / "need_weight_sites.csv")
    assert sweep.loc["before", "population"] == residents["population"].sum()
    for run in RUNS:
        shares = _shares(residents, sites[sites["run"] == run])
        row = sweep.loc[run]
        for cls, share in shares.items():
            assert row[f"share[{cls}]"] == pytest.approx(share, abs=1e-6), (run, cls)
        gap = 100 * (shares[SARSKILT_GODA] - shares[STORA])
        assert row["class_gap_pp"] == pytest.approx(gap, abs=1e-4), run
        assert row["least_favoured"] == STORA and row["most_favoured"] == SARSKILT_GODA
    assert sweep.loc["before", "class_gap_pp"] == 0.0  # no service office offline
    assert sweep.loc["plain MCLP", "covered_share"] > 0


def test_plain_row_recomputed_from_the_per_point_table(run_dir: Path, areas) -> None:
    """The run's own per-point table (with the plain-MCLP sites applied) gives the same shares."""
    pts = pd.read_csv(run_dir / "data" / "access_points.csv", dtype={"area_id": str})
    pts = pts[(pts["category"] == "citizen_service") & (pts["profile"] == "adult")]
    pts = pts.merge(areas[["area_id", "stadsomrade", "socioek_klass"]], on="area_id")
    pts = pts[pts["stadsomrade"] == "Hisingen"]
    unl = pd.read_csv(DATA / "unlocated.csv", dtype={"area_id": str})
    unl = unl.merge(areas[["area_id", "stadsomrade", "socioek_klass"]], on="area_id")
    unl = unl[unl["stadsomrade"] == "Hisingen"]
    cov = (pts["population"] * (pts["minutes"] <= 10)).groupby(pts["socioek_klass"]).sum()
    pop = (
        pts.groupby("socioek_klass")["population"]
        .sum()
        .add(unl.groupby("socioek_klass")["population"].sum(), fill_value=0)
    )
    row = pd.read_csv(run_dir / "tables" / "need_weights.csv").set_index("run").loc["plain MCLP"]
    for cls in pop.index:
        assert row[f"share[{cls}]"] == pytest.approx(cov.get(cls, 0) / pop[cls], abs=1e-6)


def test_group_tables_written_by_the_run(run_dir: Path) -> None:
    g = pd.read_csv(run_dir / "tables" / "equity_groups.csv")
    assert set(g["grouping"]) == {"socioek_klass", "stadsomrade", "norra_hisingen"}
    assert set(g["category"]) == {"citizen_service", "health_centre"}
    tot = g[(g["group"] == TOTAL_AREA_ID)]
    assert (tot["population"] == 608_948).all() and (tot["unlocated"] == 2_207).all()


def test_map_shows_the_class_of_each_area(run_dir: Path, areas: pd.DataFrame) -> None:
    """The class layer (issue 14): one fill per area in its class colour, a legend, tooltips."""
    from proximity.maps.area_class import CLASS_COLOURS, UNCLASSED_COLOUR

    html = next((run_dir / "maps").glob("*.html")).read_text(encoding="utf-8")
    assert "Socioekonomisk klass (Göteborgs Stad)" in html and "px-class-legend" in html
    rank = pd.to_numeric(areas["socioek_rank"], errors="coerce")
    for r, colour in enumerate(CLASS_COLOURS, start=1):
        assert html.count(colour) == int((rank == r).sum()) + 1, r  # areas + the legend swatch
    assert html.count(UNCLASSED_COLOUR) >= int(rank.isna().sum())
    assert "Norra Biskopsgården: Områden med stora socioekonomiska utmaningar" in html
    assert "Norra Biskopsgården: 74\u00a0% (Områden med stora socioekonomiska utmaningar)" in html


def test_a_baseline_without_the_siting_category(tmp_path: Path) -> None:
    """With goteborg-jamlikhet as baseline (no service office there) the run does not fail:
    the service-office map and report show no baseline (they used to stop with "Category
    'citizen_service' is not in the results")."""
    text = SCENARIO.read_text(encoding="utf-8").replace(
        'name = "goteborg-hisingen"',
        f'name = "goteborg-hisingen"\nbaseline = "{(SCENARIO.parent / "goteborg-jamlikhet.toml").as_posix()}"',
    )
    cut = text.index("\n[siting.need_weights]\n"), text.index("\n[equity]\n")
    text = text[: cut[0]] + text[cut[1] :]  # no sweep: only the baseline matters here
    p = tmp_path / "with-baseline.toml"
    p.write_text(text, encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("PROXIMITY_OFFLINE", "1")
    try:
        assert main(["run", str(p), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    finally:
        mp.undo()
    delta = pd.read_csv(tmp_path / "out" / "tables" / "delta_vs_baseline.csv")
    assert "citizen_service" in set(delta["category"])
