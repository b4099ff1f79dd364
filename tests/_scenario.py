"""Shared helpers for the tests of :mod:`proximity.scenario` (tests/test_scenario_*.py).

Use from a test module (pytest puts ``tests/`` on ``sys.path``)::

    from _scenario import ROOT, SCENARIOS, light, write
    from _scenario import offline_env_fixture  # noqa: F401 (the "offline_env" fixture)

``offline_env`` (module scope) blocks sockets and uses a temporary cache; ``runs`` (in
conftest.py, session scope) runs the shipped baseline and motion scenarios once per session.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _offline import block_internet

from proximity import scenario as sc

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


LIGHT = """
name = "light"
city = "helsingborg"
categories = ["district_office", "library"]
thresholds_min = [10, 15]
profiles = ["adult", "elderly"]
{extra}
[outputs]
maps = false
report = false
"""


def light(tmp_path: Path, extra: str = "", name: str = "light.toml") -> Path:
    return write(tmp_path, LIGHT.format(extra=extra), name)


MAPPED = """
name = "mapped"
city = "helsingborg"
categories = ["district_office"]
thresholds_min = [15]
profiles = ["adult"]
[outputs]
dir = "out/mapped"
maps_dir = "{maps_dir}"
report = false
map_threshold_min = 15
"""


def mapped(tmp_path: Path, maps_dir: str = "maps") -> Path:
    return write(tmp_path, MAPPED.format(maps_dir=maps_dir), "mapped.toml")


@pytest.fixture(scope="module", name="offline_env")
def offline_env_fixture(tmp_path_factory):
    """Module-scoped runs happen before conftest's per-test socket guard: block sockets and
    use a temporary cache here too, so that nothing reaches the internet."""
    mp = pytest.MonkeyPatch()
    block_internet(mp)
    mp.setenv("PROXIMITY_CACHE", str(tmp_path_factory.mktemp("cache-scenario")))
    yield
    mp.undo()


def run_shipped_pair(out: Path) -> tuple[sc.RunResult, sc.RunResult]:
    """Run the shipped baseline and motion scenarios into ``out`` (see conftest's ``runs``)."""
    base = sc.run(SCENARIOS / "helsingborg-baseline.toml", out_dir=out / "baseline", quiet=True)
    motion = sc.run(SCENARIOS / "helsingborg-motion.toml", out_dir=out / "motion", quiet=True)
    return base, motion
