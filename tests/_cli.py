"""Shared helpers of the ``proximity`` command-line tests (tests/test_cli*.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "helsingborg-baseline.toml"

LIGHT = """
name = "light"
city = "helsingborg"
categories = ["district_office", "library"]
thresholds_min = [10, 15]
profiles = ["adult"]
[outputs]
maps = false
report = false
"""


def write_light(tmp_path: Path) -> Path:
    """The light scenario (two categories, 10 and 15 min, no maps or report) in ``tmp_path``."""
    p = tmp_path / "light.toml"
    p.write_text(LIGHT, encoding="utf-8")
    return p


def pyrosm_test_pbf() -> Path:
    """pyrosm's small ``test.osm.pbf`` (skips when pyrosm is missing)."""
    pyrosm = pytest.importorskip("pyrosm")
    p = Path(pyrosm.__file__).parent / "data" / "test.osm.pbf"
    if not p.exists():
        pytest.skip("pyrosm's test.osm.pbf not installed")
    return p
