"""load_network's dispatch and argument checks (proximity.network.load)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proximity.errors import InputFileError
from proximity.network import load_network

FIX = Path(__file__).parent / "fixtures" / "network"


@pytest.mark.parametrize("name", ["nope.osm.pbf", "data/helsingborg.osm", "nope.npz"])
def test_missing_file(tmp_path, name):
    path = tmp_path / name
    with pytest.raises(InputFileError) as info:
        load_network(path)
    assert str(path) in str(info.value)
    assert info.value.fix and ".osm.pbf" in info.value.fix
    # a missing path given as a string is not mistaken for a place name
    with pytest.raises(InputFileError):
        load_network(str(path))


def test_bad_source_type_and_buffer():
    with pytest.raises(InputFileError):
        load_network(42)
    from proximity.errors import ParameterError

    with pytest.raises(ParameterError):
        load_network(FIX / "missing_node.osm", buffer_m=-1.0)


@pytest.mark.parametrize("timeout", [0.0, -5.0, float("nan"), float("inf")])
def test_bad_timeout(timeout):
    from proximity.errors import ParameterError

    with pytest.raises(ParameterError, match="timeout_s"):
        load_network("Some place", timeout_s=timeout)
