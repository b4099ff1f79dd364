"""The notebooks run top to bottom offline (nbclient, kernel python3) and are stored clean."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMEOUT_S = 300  # per cell

nbformat = pytest.importorskip("nbformat")


def test_three_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == [
        "01_coverage.ipynb",
        "02_siting.ipynb",
        "03_scenarios.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_offline(path, tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # The kernel is a separate process (conftest's socket guard does not reach it): force
    # the offline path, a temporary cache and a temporary output folder through its env.
    monkeypatch.setenv("PROXIMITY_OFFLINE", "1")
    monkeypatch.setenv("PROXIMITY_QUIET", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PROXIMITY_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PROXIMITY_NOTEBOOK_OUT", str(tmp_path / "out"))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=TIMEOUT_S,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError with the failing cell and traceback
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("output_type") == "error"
    ]
    assert not errors
    assert any((tmp_path / "out").rglob("*.html")) or path.stem == "03_scenarios"
