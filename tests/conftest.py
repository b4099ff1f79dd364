"""Shared pytest setup: quiet progress bars, no network, a temporary cache."""

from __future__ import annotations

import os

import pytest
from _offline import block_internet

os.environ.setdefault("PROXIMITY_QUIET", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch, tmp_path_factory):
    """Tests never reach the internet: any connection to a non-loopback address fails fast.

    Overpass calls hang about 60 s offline; this guard turns that into an immediate error.
    """
    block_internet(monkeypatch)
    monkeypatch.setenv("PROXIMITY_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """The shipped Helsingborg baseline and motion scenarios, run once per session (offline).

    Session-scoped fixtures run outside the per-test socket guard, so this one blocks
    sockets and uses its own temporary cache itself. Treat the results as read-only.
    """
    import _scenario

    mp = pytest.MonkeyPatch()
    block_internet(mp)
    mp.setenv("PROXIMITY_CACHE", str(tmp_path_factory.mktemp("cache-runs")))
    try:
        return _scenario.run_shipped_pair(tmp_path_factory.mktemp("runs"))
    finally:
        mp.undo()


# Shared synthetic map and report inputs (tests/_maps_common.py builds them once per session;
# tests treat them as read-only, and the one that adds a provenance record removes it again).
@pytest.fixture(scope="session")
def map_inputs():
    import _maps_common as mc

    return mc.map_inputs()


@pytest.fixture(scope="session")
def report_inputs():
    import _maps_common as mc

    return mc.report_inputs()


@pytest.fixture(scope="session")
def full_map(map_inputs):
    import _maps_common as mc

    return mc.full_map(map_inputs)


@pytest.fixture(scope="session")
def full_html(full_map):
    from proximity.maps import render_html

    return render_html(full_map)
