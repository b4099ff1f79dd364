"""Tests of proximity.report.charts (the Lorenz curve of walking times)."""

from __future__ import annotations

import pytest

from proximity.report import lorenz_points


def test_lorenz_points(report_inputs):
    curve, g, pop = lorenz_points(report_inputs["access"], category="library", profile="adult")
    assert curve["pop_share"].iloc[0] == 0 and curve["pop_share"].iloc[-1] == pytest.approx(1)
    assert curve["time_share"].iloc[-1] == pytest.approx(1)
    assert 0 < g < 1
    pts = report_inputs["access"].points
    sel = pts[(pts.category == "library") & (pts.profile == "adult")]
    assert pop == sel.population.sum()
