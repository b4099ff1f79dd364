"""``proximity doctor`` (proximity.cli._doctor)."""

from __future__ import annotations

from proximity import cli


def test_doctor(capsys):
    rc = cli.main(["doctor", "--timeout", "1"])
    out = capsys.readouterr().out
    assert rc in (0, 2)
    for name in ("python", "numpy", "cache", "overpass", "chromium", "disk"):
        assert name in out
    assert "NOT reachable" in out  # sockets are blocked in tests
    checks = cli.doctor_checks(probe_timeout_s=1)
    assert all(status in ("ok", "warn", "FAIL") for _, status, _ in checks)
    assert rc == (2 if any(s == "FAIL" for _, s, _ in checks) else 0)
