"""Stable outputs: the same map renders to the same bytes, in one process and in two."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests._maps_common import full_map, map_inputs

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from tests._maps_common import full_map, map_inputs
from proximity.maps import render_html
sys.stdout.buffer.write(render_html(full_map(map_inputs())).encode("utf-8"))
"""


def _render_once() -> str:
    from proximity.maps import render_html

    return render_html(full_map(map_inputs()))


def test_same_map_twice_in_one_process_gives_identical_bytes():
    first, second = _render_once(), _render_once()
    assert first == second
    assert "map_0" in first  # deterministic element ids, not folium's uuid4


def test_same_map_in_two_processes_gives_identical_bytes(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1700000000", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", _SCRIPT.format(root=str(ROOT))],
            capture_output=True,
            check=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert not re.search(rb"_[0-9a-f]{32}\b", runs[0])  # no folium uuid4 ids left


def test_one_map_rendered_twice_gives_identical_bytes(tmp_path):
    """render_html then save_map (or two saves) of one map object: folium adds scripts and
    "add to map" steps to the page while rendering; they must not pile up."""
    from proximity.maps import render_html, save_map

    m = full_map(map_inputs())
    first = render_html(m)
    second = render_html(m)
    assert first == second
    assert first.count(".addTo(map_") == second.count(".addTo(map_")
    assert save_map(m, tmp_path / "a.html").read_text("utf-8") == first
