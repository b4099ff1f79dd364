"""Tests of proximity.report.blocks: the report files are written atomically (no partial files)."""

from __future__ import annotations

from pathlib import Path

import _maps_common as mc
import pytest

from proximity.errors import OutputError
from proximity.report import write_report


@pytest.fixture(scope="module")
def inputs():
    return mc.report_inputs()


def test_unwritable_folder(inputs, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        write_report(
            blocker / "out", inputs["city"], inputs["access"], category="library", threshold_min=10
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_failure_while_writing_leaves_no_files(inputs, tmp_path, monkeypatch):
    real = Path.write_bytes
    calls = {"n": 0}

    def flaky(self, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", flaky)
    with pytest.raises(OutputError, match="No space left"):
        write_report(
            tmp_path, inputs["city"], inputs["access"], category="library", threshold_min=10
        )
    assert list(tmp_path.iterdir()) == []
