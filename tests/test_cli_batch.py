"""``proximity batch``: arguments checked before anything runs; Dask not imported for help."""

from __future__ import annotations

import subprocess
import sys

from proximity.cli import main
from proximity.cli._batch import memory_bytes


def test_help_does_not_import_dask():
    code = (
        "import sys\nfrom proximity.cli import main\n"
        "try:\n    main(['batch', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('distributed' in sys.modules, 'dask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False"


def test_bad_memory_limit_is_a_usage_error(capsys):
    assert main(["batch", "s.toml", "--out", "o", "--memory-limit", "lots"]) == 2
    assert "memory size" in capsys.readouterr().err
    assert memory_bytes("4GB") == 4 * 10**9 and memory_bytes("512MiB") == 512 * 2**20


def test_unknown_code_and_missing_scenario_are_input_errors(tmp_path, capsys):
    s = tmp_path / "s.toml"
    assert main(["batch", str(s), "--out", str(tmp_path / "o")]) == 2
    assert "Scenario file not found" in capsys.readouterr().err
    s.write_text('name = "n"\ncity = "x"\n', encoding="utf-8")
    rc = main(["batch", str(s), "--municipalities", "0114,9999", "--out", str(tmp_path / "o")])
    assert rc == 2 and "9999" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
