"""The notebooks are committed with their outputs, hold no local paths, and still run.

A planner opening a notebook sees its tables and plots without running it, so each code cell
is committed executed (``python tests/run_notebooks.py`` re-executes and saves them). The
slow test re-executes all three offline with nbclient (kernel ``python3``) within the time
budget, and checks the committed outputs are still what the code gives.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BUDGET_S = 60.0  # all three notebooks, kernel start included

nbformat = pytest.importorskip("nbformat")

# Written independently of run_notebooks.LOCAL_PATH: absolute paths of this machine or others.
_LOCAL = re.compile(r"(/work/|/root/|/tmp/|/home/|/Users/|[A-Za-z]:\\)")


def _read(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _texts(nb):
    """Every source and every non-image output text, with its cell index."""
    for i, cell in enumerate(nb.cells):
        yield i, cell.source
        for o in cell.get("outputs", []):
            parts = [o.get("text", ""), *o.get("traceback", [])]
            parts += [v for k, v in o.get("data", {}).items() if not k.startswith("image/")]
            for p in parts:
                yield i, p if isinstance(p, str) else str(p)


def test_three_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == [
        "01_coverage.ipynb",
        "02_siting.ipynb",
        "03_scenarios.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_with_outputs_tables_and_a_plot(path):
    nb = _read(path)
    cells = _code(nb)
    # executed top to bottom, in one go
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), path.name
    outputs = [o for c in cells for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert "image/png" in kinds, f"{path.name}: no plot"
    assert {"text/html", "text/markdown"} & kinds, f"{path.name}: no table"
    # plots are modest: the whole notebook stays small (no embedded map HTML)
    assert path.stat().st_size < 200_000, path.name
    for c in cells:
        for o in c.outputs:
            png = o.get("data", {}).get("image/png")
            assert png is None or len(png) < 80_000  # base64 of a ≤ 60 KB PNG


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_local_paths(path):
    found = [(i, m.group(0)) for i, t in _texts(_read(path)) for m in _LOCAL.finditer(t)]
    assert not found, f"{path.name}: local paths {found[:5]}"
    assert "ipykernel_" not in path.read_text(encoding="utf-8")  # warnings' temp files


def test_local_path_finder_finds_them():
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("print(1)", outputs=[])],
    )
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="saved /tmp/x/map.html\n")]
    assert [p for _, t in _texts(nb) for p in _LOCAL.findall(t)] == ["/tmp/"]


def test_notebook_02_reports_the_solver_it_asks_for():
    nb = _read(ROOT / "notebooks" / "02_siting.ipynb")
    (cell,) = [c for c in _code(nb) if 'solver in ("greedy", "highs")' in c.source]
    (table,) = [o["data"]["text/plain"] for o in cell.outputs if "data" in o]
    rows = [line.split() for line in table.splitlines()[1:]]
    asked = {(r[1], r[2]): r[3] for r in rows}  # (model, asked) -> solver
    assert asked[("mclp", "highs")] == "highs" and asked[("p_median", "highs")] == "highs"
    assert asked[("mclp", "greedy")] == "greedy+interchange"


def _plain(nb):
    """The text outputs of each code cell (streams, text/plain, text/markdown), no images.

    Each stream is joined on its own: the kernel's stdout and stderr arrive in a racy order
    (a warning may come before or after a print of the same cell), their contents do not.
    """
    out = []
    for c in _code(nb):
        streams: dict[str, str] = {}
        texts = []
        for o in c.outputs:
            if o.output_type == "stream":
                streams[o.name] = streams.get(o.name, "") + o.text
            elif "data" in o:
                texts += [str(o["data"].get(k, "")) for k in ("text/plain", "text/markdown")]
        out.append("".join(texts) + "".join(f"[{k}]{v}" for k, v in sorted(streams.items())))
    return out


@pytest.mark.slow
def test_notebooks_execute_offline_within_budget_and_match_the_committed_outputs(
    tmp_path, monkeypatch
):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import run_notebooks

    # The kernel is a separate process (conftest's socket guard does not reach it): force
    # the offline path, a temporary cache and a temporary output folder through its env.
    env = {
        "PROXIMITY_OFFLINE": "1",
        "PROXIMITY_QUIET": "1",
        "PROXIMITY_CACHE": str(tmp_path / "cache"),
        "PROXIMITY_NOTEBOOK_OUT": str(tmp_path / "out"),
    }
    t0 = time.perf_counter()
    executed = {p.name: run_notebooks.execute(p, env) for p in NOTEBOOKS}
    elapsed = time.perf_counter() - t0
    assert elapsed <= BUDGET_S, f"three notebooks took {elapsed:.0f} s (budget {BUDGET_S:.0f} s)"
    for name, nb in executed.items():
        assert not [o for c in _code(nb) for o in c.outputs if o.output_type == "error"]
        found = [(i, m.group(0)) for i, t in _texts(nb) for m in _LOCAL.finditer(t)]
        assert not found, f"{name}: local paths {found[:5]}"
        # the committed outputs are current: re-save with `python tests/run_notebooks.py`
        committed = _plain(_read(ROOT / "notebooks" / name))
        now = [t.replace("$PROXIMITY_NOTEBOOK_OUT/", "out/notebooks/") for t in _plain(nb)]
        stale = [i for i, (a, b) in enumerate(zip(committed, now, strict=True)) if a != b]
        assert not stale, f"{name}: committed outputs differ in code cells {stale}; re-run it"
    assert sorted(p.name for p in (tmp_path / "out").glob("*.html")) == [
        "01_coverage_library.html",
        "02_siting.html",
    ]
    assert (tmp_path / "out" / "03_compare" / "compare.md").is_file()
