"""Saved networks are checked on load, and saving never replaces files proximity did not write.

(proximity.network.cache: the content hash, :class:`NetworkFileError`, the rebuild of bad
cache entries and :func:`check_save_target`.)
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from proximity import config
from proximity.errors import InputFileError, OutputError
from proximity.network import WalkNetwork, load_network
from proximity.network import pbf as pbf_mod
from proximity.network import saved as saved_mod
from proximity.network.saved import FORMAT, NetworkFileError, is_saved_network, save_npz

FIX = Path(__file__).parent / "fixtures" / "network"
OSM = FIX / "missing_node.osm"


@pytest.fixture
def saved(tmp_path) -> Path:
    """A small network saved by proximity as tmp_path/net.npz (+ net.json)."""
    return load_network(OSM).save(tmp_path / "net.npz")


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _lengths_times_0_1(path: Path) -> None:
    arrays = _arrays(path)
    arrays["edge_length_m"] = arrays["edge_length_m"] * 0.1
    np.savez_compressed(path, **arrays)


def _lengths_times_0_1_hash_dropped(path: Path) -> None:
    arrays = {k: v for k, v in _arrays(path).items() if not k.startswith("proximity_")}
    arrays["edge_length_m"] = arrays["edge_length_m"] * 0.1
    np.savez_compressed(path, **arrays)


def _random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(0).bytes(4000))


def _wrong_format_version(path: Path) -> None:
    arrays = _arrays(path)
    arrays["proximity_format"] = np.array("proximity-network-99")
    np.savez_compressed(path, **arrays)


def _sidecar_crs_changed(path: Path) -> None:
    side = path.with_suffix(".json")
    meta = json.loads(side.read_text(encoding="utf-8"))
    meta["crs"] = "EPSG:32633"
    side.write_text(json.dumps(meta), encoding="utf-8")


def _sidecar_missing(path: Path) -> None:
    path.with_suffix(".json").unlink()


def _sidecar_not_json(path: Path) -> None:
    path.with_suffix(".json").write_text("{not json", encoding="utf-8")


def _sidecar_empty_object(path: Path) -> None:
    path.with_suffix(".json").write_text("{}", encoding="utf-8")


def _npy_not_npz(path: Path) -> None:
    with open(path, "wb") as fh:
        np.save(fh, np.arange(5))


def _empty_file(path: Path) -> None:
    path.write_bytes(b"")


def _array_dropped(path: Path) -> None:
    arrays = _arrays(path)
    del arrays["edge_way_id"]
    np.savez_compressed(path, **arrays)


BREAKERS = {
    "truncated": (_truncate, "truncated"),
    "lengths-x0.1-resaved-with-numpy": (_lengths_times_0_1, "changed after it was saved"),
    "lengths-x0.1-hash-dropped": (_lengths_times_0_1_hash_dropped, "no content hash"),
    "random-bytes": (_random_bytes, "truncated or not a .npz"),
    "wrong-format-version": (_wrong_format_version, "proximity-network-99"),
    "sidecar-crs-changed": (_sidecar_crs_changed, "changed after it was saved"),
    "sidecar-missing": (_sidecar_missing, "no sidecar net.json"),
    "sidecar-not-json": (_sidecar_not_json, "not JSON"),
    "sidecar-empty-object": (_sidecar_empty_object, "without its crs and provenance"),
    "npy-named-npz": (_npy_not_npz, "not a .npz file"),
    "empty-file": (_empty_file, "truncated or not a .npz"),
    "array-dropped": (_array_dropped, "holds the arrays"),
}


@pytest.mark.parametrize("breaker", list(BREAKERS), ids=list(BREAKERS))
def test_bad_user_file_is_refused_naming_file_and_fix(saved, breaker):
    breaks, reason = BREAKERS[breaker]
    assert is_saved_network(saved)
    breaks(saved)
    with pytest.raises(NetworkFileError) as info:
        WalkNetwork.load(saved)
    err = info.value
    assert isinstance(err, InputFileError)
    assert reason in err.message
    assert err.file == str(saved)
    # the fix of a user's file: delete both files and rebuild from the recorded source
    assert "proximity network fetch" in err.fix and f"--out {saved}" in err.fix
    assert str(saved.with_suffix(".json")) in err.fix
    assert not is_saved_network(saved)
    # load_network(path.npz) refuses the same way
    with pytest.raises(NetworkFileError):
        load_network(saved)


def test_user_fix_names_the_recorded_source(saved):
    _lengths_times_0_1(saved)
    with pytest.raises(NetworkFileError) as info:
        WalkNetwork.load(saved)
    assert str(OSM.resolve()) in info.value.fix


def test_bad_file_in_the_cache_folder_gets_the_cache_fix():
    folder = config.network_cache_dir()
    path = load_network(OSM).save(folder / "somewhere.npz")
    _truncate(path)
    with pytest.raises(NetworkFileError) as info:
        WalkNetwork.load(path)
    assert "they are a cache" in info.value.fix and str(path) in info.value.fix
    assert "--out" not in info.value.fix


def test_legacy_file_without_hash_is_refused(saved):
    """A file saved before the content hash existed (arrays only) is not trusted."""
    arrays = {k: v for k, v in _arrays(saved).items() if not k.startswith("proximity_")}
    np.savez_compressed(saved, **arrays)
    with pytest.raises(NetworkFileError, match="no content hash"):
        WalkNetwork.load(saved)


def test_saved_file_holds_format_and_hash(saved):
    arrays = _arrays(saved)
    assert str(arrays["proximity_format"]) == FORMAT
    assert len(str(arrays["proximity_sha256"])) == 64


@pytest.mark.parametrize(
    "breaker", ["truncated", "lengths-x0.1-resaved-with-numpy", "wrong-format-version"]
)
@pytest.mark.parametrize("where", ["given-cache-dir", "network-cache-dir"])
def test_bad_cache_entry_is_rebuilt_from_its_source(tmp_path, monkeypatch, capsys, breaker, where):
    src = tmp_path / "area.osm"
    shutil.copy(OSM, src)
    cache = tmp_path / "cache" if where == "given-cache-dir" else config.network_cache_dir()
    first = load_network(src, cache_dir=cache)
    (entry,) = cache.glob("area-*.npz")
    BREAKERS[breaker][0](entry)
    parsed = []
    real = pbf_mod.parse_osm_file
    monkeypatch.setattr(
        pbf_mod, "parse_osm_file", lambda *a, **k: parsed.append(1) or real(*a, **k)
    )
    again = load_network(src, cache_dir=cache)
    assert parsed == [1]
    assert np.array_equal(again.edge_length_m, first.edge_length_m)
    err = capsys.readouterr().err
    assert str(entry) in err and "rebuilding it from" in err and str(src) in err
    assert is_saved_network(entry)
    # the third load reads the repaired entry
    load_network(src, cache_dir=cache)
    assert parsed == [1]


# ---------------------------------------------------------------------- saving


def test_save_refuses_a_foreign_npz(tmp_path, saved):
    foreign = tmp_path / "data.npz"
    np.savez(foreign, x=np.arange(3))
    before = foreign.read_bytes()
    net = WalkNetwork.load(saved)
    with pytest.raises(OutputError) as info:
        net.save(foreign)
    assert info.value.file == str(foreign) and "not a walking network" in info.value.message
    assert foreign.read_bytes() == before
    assert not foreign.with_suffix(".json").exists()


def test_save_refuses_a_foreign_sidecar(tmp_path, saved):
    settings = tmp_path / "settings.json"
    settings.write_text('{"theme": "dark"}', encoding="utf-8")
    net = WalkNetwork.load(saved)
    with pytest.raises(OutputError) as info:
        net.save(tmp_path / "settings")  # would write settings.npz + settings.json
    assert info.value.file == str(settings)
    assert settings.read_text(encoding="utf-8") == '{"theme": "dark"}'
    assert not (tmp_path / "settings.npz").exists()


def test_save_replaces_its_own_files_and_orphan_sidecar(tmp_path, saved):
    net = WalkNetwork.load(saved)
    assert net.save(saved) == saved  # a valid saved network may be replaced
    orphan = tmp_path / "orphan.npz"
    net.save(orphan)
    orphan.unlink()  # the user deleted the .npz only
    assert net.save(orphan) == orphan and is_saved_network(orphan)


def test_save_refuses_a_changed_network(saved):
    net = WalkNetwork.load(saved)
    _lengths_times_0_1(saved)
    with pytest.raises(OutputError, match="changed since"):
        net.save(saved)


def test_save_into_cache_folder_replaces_a_bad_entry(saved):
    net = WalkNetwork.load(saved)
    entry = config.network_cache_dir() / "x.npz"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(b"garbage")
    assert save_npz(net, entry) == entry and is_saved_network(entry)


@pytest.mark.parametrize(
    "target",
    ["is-a-folder", "sidecar-is-a-folder", "parent-is-a-file", "proc"],
)
def test_save_where_it_cannot_is_an_output_error(tmp_path, saved, target):
    net = WalkNetwork.load(saved)
    if target == "is-a-folder":
        path = tmp_path / "d.npz"
        path.mkdir()
    elif target == "sidecar-is-a-folder":
        path = tmp_path / "d.npz"
        (tmp_path / "d.json").mkdir()
    elif target == "parent-is-a-file":
        (tmp_path / "f").write_text("x", encoding="utf-8")
        path = tmp_path / "f" / "sub" / "n.npz"
    else:
        if not Path("/proc/self").exists():
            pytest.skip("no /proc")
        path = Path("/proc/x.npz")
    with pytest.raises(OutputError) as info:
        net.save(path)
    assert info.value.fix and info.value.file


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_save_into_read_only_folder(tmp_path, saved):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="Cannot write"):
            WalkNetwork.load(saved).save(ro / "n.npz")
    finally:
        ro.chmod(0o700)


def test_cache_folder_write_problem_names_proximity_cache(tmp_path, saved, monkeypatch):
    (tmp_path / "notadir").write_text("x", encoding="utf-8")
    monkeypatch.setenv("PROXIMITY_CACHE", str(tmp_path / "notadir"))
    with pytest.raises(OutputError) as info:
        WalkNetwork.load(saved).save(config.network_cache_dir() / "n.npz")
    assert "PROXIMITY_CACHE" in info.value.fix and "--out" not in info.value.fix


def test_content_hash_covers_every_array(saved):
    arrays, _meta = saved_mod.verify_npz(saved)
    raw = saved.with_suffix(".json").read_bytes()
    base = saved_mod.content_sha256(arrays, raw)
    for name in saved_mod.ARRAYS:
        changed = dict(arrays)
        changed[name] = arrays[name][:-1]
        assert saved_mod.content_sha256(changed, raw) != base, name
    assert saved_mod.content_sha256(arrays, raw + b" ") != base
