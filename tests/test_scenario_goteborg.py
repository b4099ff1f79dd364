"""scenarios/goteborg-jamlikhet.toml runs offline (crow-fly, labelled) and keeps the accounting."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from proximity.cli import main
from proximity.equity.group_tables import run_group_equity
from proximity.sources.city import TOTAL_AREA_ID

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "goteborg-jamlikhet.toml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("PROXIMITY_OFFLINE", "1")
    out = tmp_path_factory.mktemp("gbg") / "out"
    try:
        assert main(["run", str(SCENARIO), "--out", str(out)]) == 0
    finally:
        mp.undo()
    return out


def test_runs_offline_crowfly_labelled(run_dir: Path) -> None:
    areas = pd.read_csv(run_dir / "tables" / "areas.csv", dtype={"area_id": str})
    assert set(areas["distance_method"]) == {"crowfly×1.3"}
    assert "fågelvägsavstånd × 1,3" in (run_dir / "report.md").read_text(encoding="utf-8")
    assert areas["area_id"].nunique() == 97  # 96 primärområden + the whole city


def test_totals_match_the_accounting(run_dir: Path) -> None:
    areas = pd.read_csv(run_dir / "tables" / "areas.csv", dtype={"area_id": str})
    one = areas[(areas["profile"] == "adult") & (areas["threshold_min"] == 10)]
    total = one[one["area_id"] == TOTAL_AREA_ID].iloc[0]
    assert total["population"] == 608_948
    assert total["unlocated"] == 2_207
    parts = ("covered", "uncovered", "unsnapped", "unreachable", "unlocated")
    assert sum(total[c] for c in parts) == 608_948
    per_area = one[one["area_id"] != TOTAL_AREA_ID]
    # 606,741 located + 283 unlocated in primärområde 306; 1,924 have no area
    assert per_area["population"].sum() == 608_948 - 1_924
    assert per_area.loc[per_area["area_id"] == "306", "unlocated"].iloc[0] == 283


def test_group_tables_of_the_run(run_dir: Path) -> None:
    """The run writes the [equity] group tables itself (and jamlikhet.md)."""
    g = pd.read_csv(run_dir / "tables" / "equity_groups.csv")
    s = pd.read_csv(run_dir / "tables" / "equity_groups_summary.csv")
    assert "Norra Hisingen" in (run_dir / "jamlikhet.md").read_text(encoding="utf-8")
    assert set(g["grouping"]) == {"socioek_klass", "stadsomrade", "norra_hisingen"}
    assert set(g["distance_method"]) == {"crowfly×1.3"}
    for _, rows in g.groupby(["grouping", "profile", "threshold_min"]):
        tot = rows[rows["group"] == TOTAL_AREA_ID].iloc[0]
        assert tot["population"] == 608_948 and tot["unlocated"] == 2_207
        assert rows.loc[rows["group"] != TOTAL_AREA_ID, "population"].sum() == 608_948 - 1_924
    nh = g[(g["grouping"] == "norra_hisingen") & (g["group"] == "Norra Hisingen")]
    assert (nh["n_areas"] == 8).all()
    theil = s["theil_between"] + s["theil_within"]
    assert (theil - s["theil_total"]).abs().max() < 1e-7  # CSV: 9 significant digits
    cls = s[s["grouping"] == "socioek_klass"]
    assert cls["ci_erreygers"].notna().all() and (cls["ci_excluded_no_area"] == 1_924).all()


def test_run_group_equity_on_a_finished_run_agrees(run_dir: Path, tmp_path: Path) -> None:
    """run_group_equity (the default groupings, from the written points) = the run's tables."""
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    again = pd.read_csv(run_group_equity(copy)["groups"])
    written = pd.read_csv(run_dir / "tables" / "equity_groups.csv")
    key = ["grouping", "profile", "threshold_min", "group"]
    a, b = again.sort_values(key).reset_index(drop=True), written.sort_values(key)
    pd.testing.assert_frame_equal(a, b.reset_index(drop=True)[a.columns], check_exact=False)
