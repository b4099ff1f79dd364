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


def test_doctor_names_the_pdf_engine(monkeypatch):
    from proximity.cli._doctor import _pdf_check
    from proximity.report import pdf

    monkeypatch.setattr(pdf, "find_engine", lambda: ("weasyprint", None))
    assert _pdf_check() == ("pdf engine", "ok", "WeasyPrint")
    monkeypatch.setattr(pdf, "find_engine", lambda: ("chromium", "/usr/bin/chromium"))
    assert _pdf_check() == ("pdf engine", "ok", "Chromium (/usr/bin/chromium)")
    monkeypatch.setattr(pdf, "find_engine", lambda: None)
    _, status, detail = _pdf_check()
    assert status == "warn" and detail.startswith("none")


def test_doctor_prints_the_engine_find_engine_picks(capsys):
    from proximity.report.pdf import find_engine

    cli.main(["doctor", "--timeout", "1"])
    out = capsys.readouterr().out
    engine = find_engine()
    want = (
        "none"
        if engine is None
        else {"weasyprint": "WeasyPrint", "chromium": "Chromium"}[engine[0]]
    )
    line = next(ln for ln in out.splitlines() if "pdf engine" in ln)
    assert want in line
