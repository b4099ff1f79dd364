"""The snap-quality warning reaches the map, the report and the CLI (synthetic values).

The record is the one :func:`proximity.coverage.compute_access` writes into
``Access.provenance["snap_quality"]``; here it is set by hand on an Access-like object, so
each output layer is tested on its own.
"""

from __future__ import annotations

from types import SimpleNamespace

from proximity.maps.labels import snap_quality_text

REC = {
    "warn": True,
    "message_sv": "Gångnätet: 12,0 % av befolkningen ligger utanför nätet.",
    "message_en": "Walking network: 12.0 % of the population cannot reach it.",
}


def test_no_record_or_no_warning_gives_no_text():
    assert snap_quality_text(SimpleNamespace(provenance={})) is None
    assert snap_quality_text(SimpleNamespace()) is None
    quiet = {"snap_quality": {**REC, "warn": False}}
    assert snap_quality_text(SimpleNamespace(provenance=quiet)) is None


def test_warning_text_in_both_languages():
    acc = SimpleNamespace(provenance={"snap_quality": REC})
    assert snap_quality_text(acc) == REC["message_sv"]
    assert snap_quality_text(acc, "en") == REC["message_en"]


def test_map_and_report_show_the_warning(map_inputs, tmp_path):
    from proximity.maps import make_map, render_html
    from proximity.report import write_report

    inp = dict(map_inputs)
    acc = inp["access"]
    acc.provenance["snap_quality"] = REC
    try:
        html = render_html(make_map(inp["city"], acc, category="library", threshold_min=10))
        assert "px-snap-title" in html and "12,0 % av befolkningen" in html
        paths = write_report(tmp_path, inp["city"], acc, category="library", threshold_min=10)
        md = paths["report.md"].read_text(encoding="utf-8")
        assert "12,0 % av befolkningen ligger utanför nätet" in md
    finally:
        del acc.provenance["snap_quality"]


def test_cli_prints_the_warning(tmp_path, monkeypatch, capsys):
    import proximity.scenario as sc
    from proximity import cli

    real_run = sc.run

    def run_with_record(*args, **kwargs):
        res = real_run(*args, **kwargs)
        res.access.provenance["snap_quality"] = REC
        return res

    monkeypatch.setattr(sc, "run", run_with_record)
    scen = tmp_path / "s.toml"
    scen.write_text(
        'name = "s"\ncity = "helsingborg"\ncategories = ["library"]\nthresholds_min = [10]\n'
        'profiles = ["adult"]\n[network]\nsource = "crowfly"\n[outputs]\nmaps = false\n'
        "report = false\n",
        encoding="utf-8",
    )
    rc = cli.main(["run", str(scen), "--out", str(tmp_path / "out"), "--quiet"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "WARNING: Walking network: 12.0 % of the population cannot reach it." in cap.err
