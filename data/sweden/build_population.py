"""Write ``population_kommun_2025.csv``: SCB's population per municipality in 2025, with codes.

Run from anywhere::

    python data/sweden/build_population.py [--facts PATH]

``--facts`` defaults to ``<repo>/../shared/data/sweden``. Its ``population_kommun_lan_2025.csv``
holds names only (290 municipalities, 21 län and Riket); the codes come from ``kommuner.gpkg``
in this folder, joined on the exact name (every municipality matches once, or the script
stops). Figures are copied unchanged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCE = (
    "SCB, population per municipality 2025 (CC0), via globalfunlearning/gothenburg_maps "
    "@ d0d851b4 (MIT), examples/data/kommuner_lan.rds"
)


def build(facts: Path, out: Path) -> pd.DataFrame:
    """Join the figures to the municipality codes and write ``out``."""
    pop = pd.read_csv(facts / "population_kommun_lan_2025.csv")
    kommuner = gpd.read_file(HERE / "kommuner.gpkg")[["kommun_kod", "kommun_namn"]]
    if pop["kommun_namn"].duplicated().any():
        sys.exit("duplicate names in population_kommun_lan_2025.csv")
    t = kommuner.merge(pop, on="kommun_namn", how="left", validate="one_to_one")
    if t["jan_1"].isna().any():
        sys.exit(f"no figure for {', '.join(t.loc[t['jan_1'].isna(), 'kommun_namn'])}")
    t = pd.DataFrame(
        dict(
            kommun_kod=t["kommun_kod"].astype(str).str.zfill(4),
            kommun_namn=t["kommun_namn"],
            population_2025_01_01=t["jan_1"].astype(int),
            population_2025_09=t["sept"].astype(int),
            source=SOURCE,
        )
    ).sort_values("kommun_kod")
    t.to_csv(out, index=False)
    return t


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--facts", type=Path, default=HERE.parents[1].parent / "shared/data/sweden")
    args = ap.parse_args(argv)
    t = build(args.facts, HERE / "population_kommun_2025.csv")
    print(f"{len(t)} municipalities, {t['population_2025_01_01'].sum():,} persons on 2025-01-01")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
