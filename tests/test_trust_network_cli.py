"""Issue 11 ("Trust"): hostile inputs to ``proximity network`` and the CLI's options.

Every case runs the CLI on a hostile input and checks: the exit code (2 for a bad input,
never the "This is a bug" of exit 1), that the message names the file, row or option and
the fix, and that no file in ``tmp_path`` other than the tool's own outputs was created,
changed or deleted.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from _cli import LIGHT

from proximity import _overpass, cli, config
from proximity.network import load_network
from proximity.network.saved import is_saved_network

FIX = Path(__file__).parent / "fixtures" / "network"
PAYLOAD = "\x1b]0;pwned\x07\x1b[2J"


def snapshot(root: Path, *, skip: tuple[Path, ...] = ()) -> dict[str, bytes | None]:
    """Every path under ``root`` (files with their bytes, folders as None), minus ``skip``."""
    snap: dict[str, bytes | None] = {}
    for p in sorted(root.rglob("*")):
        if any(p == s or s in p.parents for s in skip):
            continue
        snap[p.relative_to(root).as_posix()] = p.read_bytes() if p.is_file() else None
    return snap


def _src(tmp: Path) -> Path:
    """A small OSM file in ``tmp``."""
    src = tmp / "src.osm"
    if not src.exists():
        shutil.copy(FIX / "missing_node.osm", src)
    return src


def _network(tmp: Path, name: str = "net.npz") -> Path:
    return load_network(_src(tmp)).save(tmp / name)


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def _geojson(tmp: Path, name: str, features: list) -> Path:
    p = tmp / name
    p.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return p


@dataclass
class Case:
    """argv built in ``tmp``; the expected exit code and message parts; the outputs."""

    setup: Callable[[Path], list[str]]
    rc: int = 2
    needles: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    absent: tuple[str, ...] = field(default=())


def _fetch(tmp: Path, *extra: str) -> list[str]:
    return ["network", "fetch", str(_src(tmp)), "-q", *extra]


def _out_proc(tmp: Path) -> list[str]:
    return _fetch(tmp, "--out", "/proc/x.npz")


def _out_without_npz_suffix(tmp: Path) -> list[str]:
    (tmp / "settings.json").write_text('{"theme": "dark"}', "utf-8")
    return _fetch(tmp, "--out", str(tmp / "settings"))


def _out_sidecar_is_foreign(tmp: Path) -> list[str]:
    (tmp / "settings.json").write_text('{"theme": "dark"}', "utf-8")
    return _fetch(tmp, "--out", str(tmp / "settings.npz"))


def _out_is_foreign_npz(tmp: Path) -> list[str]:
    np.savez(tmp / "data.npz", x=np.arange(3))
    return _fetch(tmp, "--out", str(tmp / "data.npz"))


def _out_is_altered_network(tmp: Path) -> list[str]:
    path = _network(tmp)
    arrays = _arrays(path)
    arrays["edge_length_m"] = arrays["edge_length_m"] * 0.1
    np.savez_compressed(path, **arrays)
    return _fetch(tmp, "--out", str(path))


def _out_is_folder(tmp: Path) -> list[str]:
    (tmp / "d.npz").mkdir()
    return _fetch(tmp, "--out", str(tmp / "d.npz"))


def _out_is_fifo(tmp: Path) -> list[str]:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes")
    os.mkfifo(tmp / "pipe.npz")
    return _fetch(tmp, "--out", str(tmp / "pipe.npz"))


def _info_fifo(tmp: Path) -> list[str]:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes")
    os.mkfifo(tmp / "pipe.npz")
    return ["network", "info", str(tmp / "pipe.npz")]


def _out_parent_is_file(tmp: Path) -> list[str]:
    (tmp / "f").write_text("x", "utf-8")
    return _fetch(tmp, "--out", str(tmp / "f" / "n.npz"))


def _out_dot(tmp: Path) -> list[str]:
    return _fetch(tmp, "--out", ".")


def _out_replaces_own_network(tmp: Path) -> list[str]:
    return _fetch(tmp, "--out", str(_network(tmp)))


def _option(*extra: str) -> Callable[[Path], list[str]]:
    return lambda tmp: _fetch(tmp, "--out", str(tmp / "n.npz"), *extra)


def _boundary(make: Callable[[Path], Path | str]) -> Callable[[Path], list[str]]:
    return lambda tmp: _fetch(tmp, "--out", str(tmp / "n.npz"), "--boundary", str(make(tmp)))


def _info_of(breaks: Callable[[Path], None]) -> Callable[[Path], list[str]]:
    def setup(tmp: Path) -> list[str]:
        path = _network(tmp)
        breaks(path)
        return ["network", "info", str(path)]

    return setup


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _times_0_1(path: Path) -> None:
    arrays = _arrays(path)
    arrays["edge_length_m"] = arrays["edge_length_m"] * 0.1
    np.savez_compressed(path, **arrays)


def _random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(1).bytes(3000))


def _format_99(path: Path) -> None:
    arrays = _arrays(path)
    arrays["proximity_format"] = np.array("proximity-network-99")
    np.savez_compressed(path, **arrays)


def _legacy(path: Path) -> None:
    arrays = {k: v for k, v in _arrays(path).items() if not k.startswith("proximity_")}
    np.savez_compressed(path, **arrays)


def _no_sidecar(path: Path) -> None:
    path.with_suffix(".json").unlink()


def _file(tmp: Path, name: str) -> Path:
    (tmp / name).write_text("not a folder", "utf-8")
    return tmp / name


def _run(tmp: Path, *extra: str) -> list[str]:
    p = tmp / "light.toml"
    p.write_text(LIGHT, encoding="utf-8")
    return ["run", str(p), "-q", *extra]


NPZ_FIX = ("--out FILE.npz", "Fix:")
BOUNDARY_FIX = ("--boundary", "Fix:", "polygon")

CASES: dict[str, Case] = {
    "fetch-out-proc": Case(_out_proc, needles=("/proc", *NPZ_FIX)),
    "fetch-out-without-npz-suffix": Case(
        _out_without_npz_suffix, needles=("--out", "'", "settings", ".npz", "Fix: e.g. --out")
    ),
    "fetch-out-sidecar-is-foreign-settings-json": Case(
        _out_sidecar_is_foreign, needles=("settings.json", "not written by proximity", *NPZ_FIX)
    ),
    "fetch-out-is-foreign-npz": Case(
        _out_is_foreign_npz, needles=("data.npz", "not a walking network", *NPZ_FIX)
    ),
    "fetch-out-is-network-with-lengths-x0.1": Case(
        _out_is_altered_network, needles=("net.npz", "changed since", *NPZ_FIX)
    ),
    "fetch-out-is-named-pipe": Case(_out_is_fifo, needles=("pipe.npz", *NPZ_FIX)),
    "info-named-pipe": Case(_info_fifo, needles=("pipe.npz", "not a regular file", "Fix:")),
    "fetch-out-is-folder": Case(_out_is_folder, needles=("d.npz", "folder", *NPZ_FIX)),
    "fetch-out-parent-is-file": Case(_out_parent_is_file, needles=("f", "not a folder", *NPZ_FIX)),
    "fetch-out-dot": Case(_out_dot, needles=("--out", ".npz", "Fix:")),
    "fetch-out-replaces-own-network": Case(
        _out_replaces_own_network, rc=0, needles=(), outputs=("net.npz", "net.json")
    ),
    "fetch-timeout-negative": Case(_option("--timeout", "-5"), needles=("--timeout", "> 0", "Fix")),
    "fetch-timeout-zero": Case(_option("--timeout", "0"), needles=("--timeout", "'0'", "Fix")),
    "fetch-timeout-nan": Case(_option("--timeout", "nan"), needles=("--timeout", "'nan'")),
    "fetch-timeout-huge": Case(_option("--timeout", "1e300"), needles=("--timeout", "<= 3600")),
    "fetch-timeout-not-a-number": Case(_option("--timeout", "soon"), needles=("'soon'",)),
    "fetch-buffer-negative": Case(_option("--buffer-m", "-1"), needles=("--buffer-m", ">= 0")),
    "fetch-buffer-inf": Case(_option("--buffer-m", "inf"), needles=("--buffer-m", "'inf'")),
    "fetch-two-sources": Case(
        lambda tmp: _fetch(tmp, "--pbf", str(_src(tmp))), needles=("--pbf", "Fix:")
    ),
    "boundary-empty-featurecollection": Case(
        _boundary(lambda tmp: _geojson(tmp, "empty.geojson", [])),
        needles=("empty.geojson", "no features", *BOUNDARY_FIX),
    ),
    "boundary-null-geometry": Case(
        _boundary(
            lambda tmp: _geojson(
                tmp, "null.geojson", [{"type": "Feature", "geometry": None, "properties": {}}]
            )
        ),
        needles=("null.geojson", "no geometry", *BOUNDARY_FIX),
    ),
    "boundary-points-not-polygons": Case(
        _boundary(
            lambda tmp: _geojson(
                tmp,
                "pts.geojson",
                [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [12.7, 56.0]}}],
            )
        ),
        needles=("pts.geojson", "Row: 0", "Point", *BOUNDARY_FIX),
    ),
    "boundary-missing-file": Case(
        _boundary(lambda tmp: tmp / "nothere.geojson"),
        needles=("nothere.geojson", "not found", *BOUNDARY_FIX),
    ),
    "boundary-folder": Case(
        _boundary(lambda tmp: (tmp / "b").mkdir() or tmp / "b"),
        needles=("folder", *BOUNDARY_FIX),
    ),
    "boundary-box-min-above-max": Case(
        _boundary(lambda tmp: "12.9,56.0,12.6,56.1"), needles=("--boundary", "min < max", "Fix:")
    ),
    "boundary-box-not-lonlat": Case(
        _boundary(lambda tmp: "370000,6200000,380000,6210000"),
        needles=("--boundary", "[-180, 180]", "Fix:"),
    ),
    "boundary-unknown-city": Case(
        _boundary(lambda tmp: "atlantis"), needles=("--boundary 'atlantis'", "helsingborg", "Fix:")
    ),
    "info-truncated-npz": Case(_info_of(_truncate), needles=("net.npz", "truncated", "Fix:")),
    "info-lengths-x0.1-resaved": Case(
        _info_of(_times_0_1), needles=("net.npz", "changed after it was saved", "--out")
    ),
    "info-random-bytes": Case(_info_of(_random_bytes), needles=("net.npz", "not a .npz", "Fix:")),
    "info-wrong-format-version": Case(
        _info_of(_format_99), needles=("net.npz", "proximity-network-99", "Fix:")
    ),
    "info-legacy-without-hash": Case(
        _info_of(_legacy), needles=("net.npz", "no content hash", "Delete")
    ),
    "info-sidecar-missing": Case(_info_of(_no_sidecar), needles=("net.json", "Fix:")),
    "run-maps-dir-in-proc": Case(
        lambda tmp: _run(tmp, "--maps-dir", "/proc/maps"),
        needles=("/proc/maps", "--maps-dir DIR", "Fix:"),
    ),
    "run-maps-dir-is-a-file": Case(
        lambda tmp: _run(tmp, "--maps-dir", str(_file(tmp, "maps"))),
        needles=("maps", "not a folder", "--maps-dir DIR"),
    ),
    "run-maps-dir-under-a-file": Case(
        lambda tmp: _run(tmp, "--maps-dir", str(_file(tmp, "maps") / "sub")),
        needles=("maps", "not a folder", "--maps-dir DIR"),
    ),
    "run-out-under-a-file": Case(
        lambda tmp: _run(tmp, "--out", str(_file(tmp, "o") / "sub")),
        needles=("not a folder", "--out DIR"),
    ),
    "compare-out-in-proc": Case(
        lambda tmp: ["compare", "a.toml", "b.toml", "--out", "/proc/cmp"],
        needles=("/proc/cmp", "--out DIR"),
    ),
    "compare-threshold-negative": Case(
        lambda tmp: ["compare", "a", "b", "--threshold", "-10"], needles=("--threshold", "> 0")
    ),
    "doctor-timeout-inf": Case(lambda tmp: ["doctor", "--timeout", "inf"], needles=("--timeout",)),
}


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_hostile_input(tmp_path, capsys, name):
    case = CASES[name]
    argv = case.setup(tmp_path)
    before = snapshot(tmp_path, skip=tuple(tmp_path / o for o in case.outputs))
    rc = cli.main(argv)
    cap = capsys.readouterr()
    assert rc == case.rc, cap.err
    assert "This is a bug" not in cap.err and "Traceback" not in cap.err
    for needle in case.needles:
        assert needle in cap.err, (needle, cap.err)
    assert snapshot(tmp_path, skip=tuple(tmp_path / o for o in case.outputs)) == before
    for o in case.outputs:
        assert (tmp_path / o).exists()


def test_place_offline_hint_is_generic(tmp_path, capsys, monkeypatch):
    """The fix for an unreachable Overpass names --boundary generically, not one city."""
    monkeypatch.setattr(_overpass, "reachable", lambda *a, **k: False)
    before = snapshot(tmp_path)
    assert cli.main(["network", "fetch", "Lunds kommun", "--timeout", "1", "-q"]) == 2
    err = capsys.readouterr().err
    assert "--boundary AREA" in err and "--boundary helsingborg" not in err
    assert "EXTRACT.osm.pbf" in err
    assert snapshot(tmp_path) == before


def test_fetch_into_cache_replaces_a_corrupt_entry(tmp_path, capsys):
    """The default output is in the cache folder, which is the tool's own: a bad entry there
    is replaced."""
    src = _src(tmp_path)
    assert cli.main(["network", "fetch", str(src), "-q"]) == 0
    (entry,) = config.network_cache_dir().glob("src*.npz")
    _truncate(entry)
    before = snapshot(tmp_path)
    assert cli.main(["network", "fetch", str(src), "-q"]) == 0
    assert is_saved_network(entry)
    assert snapshot(tmp_path) == before
    assert "saved:" in capsys.readouterr().out


@pytest.mark.parametrize("cache", ["is-a-file", "in-proc"])
def test_cache_write_problem_names_proximity_cache(tmp_path, capsys, monkeypatch, cache):
    if cache == "is-a-file":
        (tmp_path / "cachefile").write_text("x", "utf-8")
        monkeypatch.setenv("PROXIMITY_CACHE", str(tmp_path / "cachefile"))
    else:
        monkeypatch.setenv("PROXIMITY_CACHE", "/proc/proximity-cache")
    src = _src(tmp_path)
    before = snapshot(tmp_path)
    assert cli.main(["network", "fetch", str(src), "-q"]) == 2
    err = capsys.readouterr().err
    assert "PROXIMITY_CACHE" in err and "--out" not in err.split("Fix:")[1]
    assert snapshot(tmp_path) == before


def test_scenario_with_corrupt_place_cache_exits_2_with_the_cache_fix(tmp_path, capsys):
    """`network = "auto"` finds a corrupt cached download: exit 2 naming it, not a bug."""
    from proximity import scenario as sc
    from proximity.sources import load_city

    city = load_city("helsingborg")
    cached = sc.network_cache_path(city.network_source["query"])
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(b"PK\x03\x04 truncated")
    cached.with_suffix(".json").write_text('{"crs": "EPSG:3006", "provenance": {}}', "utf-8")
    p = tmp_path / "light.toml"
    p.write_text(LIGHT, encoding="utf-8")
    before = snapshot(tmp_path, skip=(tmp_path / "o",))
    rc = cli.main(["run", str(p), "--out", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err
    assert rc == 2 and "This is a bug" not in err
    assert str(cached) in err and "they are a cache" in err
    assert snapshot(tmp_path, skip=(tmp_path / "o",)) == before


# ---------------------------------------------------------------- terminal control characters


def test_escapes_in_scenario_title_never_reach_the_terminal(tmp_path, capsys):
    p = tmp_path / "t.toml"
    p.write_text(
        LIGHT.replace(
            'name = "light"', 'name = "light"\ntitle = "A \\u001b]0;pwned\\u0007\\u001b[2J title"'
        ),
        encoding="utf-8",
    )
    rc = cli.main(["run", str(p), "--out", str(tmp_path / "o"), "-q"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "A  title" in cap.out or "A title" in cap.out
    assert "\x1b" not in cap.out and "\x1b" not in cap.err and "\x07" not in cap.out


def test_escapes_in_network_provenance_are_stripped(tmp_path, capsys):
    net = load_network(_src(tmp_path))
    net.provenance["source"] = f"evil{PAYLOAD}.osm"
    path = net.save(tmp_path / "evil.npz")
    assert cli.main(["network", "info", str(path)]) == 0
    cap = capsys.readouterr()
    assert "evil" in cap.out and "\x1b" not in cap.out and "\x07" not in cap.out


@pytest.mark.parametrize(
    "argv",
    [
        ["network", "info", f"x{PAYLOAD}.npz"],
        ["network", "fetch", "x.osm", "--timeout", PAYLOAD],
        ["network", "fetch", "x.osm", "--boundary", f"b{PAYLOAD}.geojson"],
        ["check", f"s{PAYLOAD}.toml"],
        [f"run{PAYLOAD}"],
    ],
    ids=["info-path", "option-value", "boundary-path", "scenario-path", "unknown-command"],
)
def test_escapes_in_arguments_are_stripped_from_messages(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2
    cap = capsys.readouterr()
    assert cap.err and "\x1b" not in cap.err + cap.out and "\x07" not in cap.err + cap.out


def test_escapes_in_a_scenario_error_are_stripped(tmp_path, capsys):
    p = tmp_path / "bad.toml"
    p.write_text(
        f'name = "x"\ncity = "helsingborg"\n"{PAYLOAD}" = 1\n'.replace("\x1b", "\\u001b").replace(
            "\x07", "\\u0007"
        ),
        encoding="utf-8",
    )
    assert cli.main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "\x1b" not in err and "\x07" not in err


def test_library_messages_printed_during_a_command_are_stripped(capsys, monkeypatch):
    """The library prints warnings and step messages itself (scenario's _warn, _Steps)."""
    import sys

    from proximity.cli import _parser

    def noisy(args):
        print(f"warning: area {PAYLOAD} has no residents", file=sys.stderr, flush=True)
        print(f"step {PAYLOAD}")
        return 0

    monkeypatch.setattr(_parser, "cmd_doctor", noisy)
    assert cli.main(["doctor"]) == 0
    cap = capsys.readouterr()
    assert "has no residents" in cap.err and "step" in cap.out
    assert "\x1b" not in cap.err + cap.out


def test_safe_stream_keeps_progress_bar_moves_only():
    import io

    from proximity.cli._common import SafeStream

    buf = io.StringIO()
    s = SafeStream(buf, progress=True)
    s.write("\rbar 50%")
    s.write("\n\x1b[A")
    s.write(f"\r{PAYLOAD}x")
    s.write("\x1b[A text")
    assert buf.getvalue() == "\rbar 50%\n\x1b[A\rx text"
