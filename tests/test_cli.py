"""The ``proximity`` entry point (proximity.cli): exit codes, usage, errors, ``-m``."""

from __future__ import annotations

import subprocess
import sys

import pytest
from _cli import LIGHT, ROOT, write_light

from proximity import cli
from proximity import scenario as sc


@pytest.fixture
def light(tmp_path):
    return write_light(tmp_path)


def test_quiet_and_verbose_are_exclusive(light, capsys):
    assert cli.main(["run", str(light), "--quiet", "--verbose"]) == 2


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('name = "x"\ncity = "helsingborg"\n[network\n', "line 3, column"),
        (
            'name = "x"\ncity = "helsingborg"\nthreshold_min = [10]\n',
            "Did you mean 'thresholds_min'?",
        ),
        (
            'name = "x"\ncity = "helsingborg"\n[[interventions]]\ntype = "close_service"\n'
            'service_id = "plantera:distict_office"\n',
            "Close matches: plantera:district_office",
        ),
    ],
)
def test_input_errors_exit_2_without_traceback(tmp_path, capsys, text, needle):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    rc = cli.main(["run", str(p), "--out", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err
    assert rc == 2
    assert needle in err and "bad.toml" in err and "Fix:" in err
    assert "Traceback" not in err


def test_missing_scenario_exit_2(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path / "missing.toml")]) == 2
    assert "Scenario file not found" in capsys.readouterr().err


def test_verbose_shows_the_traceback(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path / "missing.toml"), "--verbose"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_unwritable_output_exit_2(light, tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    assert cli.main(["run", str(light), "--out", str(blocker / "o"), "-q"]) == 2
    assert "Cannot write the output folder" in capsys.readouterr().err


def test_required_network_offline_exit_2(tmp_path, capsys):
    p = tmp_path / "req.toml"
    p.write_text(LIGHT + '\n[network]\nsource = "required"\n', encoding="utf-8")
    assert cli.main(["run", str(p), "-q"]) == 2
    err = capsys.readouterr().err
    assert "requires one" in err and "extract" in err


def test_usage_errors_exit_2(capsys):
    assert cli.main([]) == 2
    assert cli.main(["frobnicate"]) == 2
    assert cli.main(["run"]) == 2
    assert cli.main(["compare", "only-one"]) == 2
    assert cli.main(["network"]) == 2
    assert cli.main(["--help"]) == 0
    assert cli.main(["--version"]) == 0


def test_interrupt_exits_130_and_leaves_nothing(light, tmp_path, monkeypatch, capsys):
    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("proximity.scenario.outputs.equity_frame", boom)
    out = tmp_path / "o"
    assert cli.main(["run", str(light), "--out", str(out), "-q"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["light.toml"]


def test_unexpected_error_exits_1(light, monkeypatch, capsys):
    def bug(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(sc, "run", bug)
    assert cli.main(["run", str(light), "-q"]) == 1
    err = capsys.readouterr().err
    assert "kaboom" in err and "--verbose" in err and "Traceback" not in err


def test_console_script_entry_point():
    """`python -m proximity.cli` (what the installed `proximity` script calls)."""
    r = subprocess.run(
        [sys.executable, "-m", "proximity.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert r.returncode == 0 and "proximity" in r.stdout
    r = subprocess.run(
        [sys.executable, "-m", "proximity.cli", "run", "nope.toml", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert r.returncode == 2 and "Scenario file not found" in r.stderr
