"""Tests of proximity.report.blocks: the report files are written atomically (no partial files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proximity.errors import OutputError
from proximity.report import write_report


def test_unwritable_folder(report_inputs, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        write_report(
            blocker / "out",
            report_inputs["city"],
            report_inputs["access"],
            category="library",
            threshold_min=10,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_failure_while_writing_leaves_no_files(report_inputs, tmp_path, monkeypatch):
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
            tmp_path,
            report_inputs["city"],
            report_inputs["access"],
            category="library",
            threshold_min=10,
        )
    assert list(tmp_path.iterdir()) == []
