"""Search structures saved beside a saved network, so that a loaded network needs no build.

A network saved as ``X.npz`` in the network cache folder (or with ``search_structures=True``,
:func:`proximity.network.saved.save_npz`) gets a second file ``X.warm``: what a first snapping and routing call would otherwise build once per network
object (the snapping index over every edge and, when the network has small components, the
one over the main components at the default island threshold, both with their KD-tree's
built state; the chain-contracted routing graph for plain lengths; the component labels;
the network hash of coverage provenance).
They are built at save time from the arrays exactly as :func:`~proximity.network.saved.
read_npz` will return them.

``X.warm`` records the content hash of ``X.npz`` (:func:`~proximity.network.saved.
content_sha256`) and the numpy and scipy versions. :func:`load_warm` uses it only when all
three match and it reads cleanly; otherwise it is ignored and the structures are built on
first use, as without it. It is a cache: deleting it changes no result, only the time of a
first call. It is written atomically, and never over a file that is not one (a file at that
path that proximity did not write is left alone, and no ``.warm`` is written).
"""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from proximity._io import atomic_path
from proximity.network.graph import WalkNetwork

#: The format of a ``.warm`` file (stored in it).
WARM_FORMAT = "proximity-network-warm-1"


def warm_path(npz: Path) -> Path:
    """The ``.warm`` file of the saved network ``npz``."""
    return npz.with_suffix(".warm")


def _versions() -> np.ndarray:
    import scipy

    return np.array(f"numpy {np.__version__}, scipy {scipy.__version__}")


def _is_warm_file(path: Path) -> bool:
    """Whether ``path`` is a ``.warm`` file (of any network): its format key reads back."""
    with contextlib.suppress(OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        with np.load(path, allow_pickle=False) as z:
            return str(z["format"]) == WARM_FORMAT
    return False


def warm_arrays(network: WalkNetwork) -> dict[str, np.ndarray]:
    """The search structures of ``network`` as named arrays (built if not yet)."""
    from proximity.coverage.provenance import network_hash
    from proximity.routing._chains import ChainGraph
    from proximity.routing._graph import cost_values
    from proximity.snap._nearest_edge import index_arrays, segment_index
    from proximity.snap.core import default_main_components

    out: dict[str, np.ndarray] = {"component_labels": network.component_labels}
    out.update({f"index_all/{k}": v for k, v in index_arrays(segment_index(network)).items()})
    main = default_main_components(network)
    if main is not None:
        out["index_main_components"] = np.array(main, dtype=np.int64)
        got = index_arrays(segment_index(network, main))
        out.update({f"index_main/{k}": v for k, v in got.items()})
    chain = ChainGraph.get(network, None, cost_values(network, None)).arrays()
    out.update({f"chain/{k}": v for k, v in chain.items()})
    out["network_hash"] = np.array(network_hash(network))
    return out


def save_warm(network: WalkNetwork, npz: Path, content_sha256: str) -> Path | None:
    """Write ``npz``'s ``.warm`` file for ``network`` (as read back from ``npz``).

    Returns the file, or None when a file that is not a ``.warm`` file sits at its path
    (it is left alone) or it cannot be written (the network is saved all the same).
    """
    path = warm_path(npz)
    if (path.exists() or path.is_symlink()) and not _is_warm_file(path):
        return None
    arrays = warm_arrays(network)
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(
                fh,
                format=np.array(WARM_FORMAT),
                network_sha256=np.array(content_sha256),
                versions=_versions(),
                **arrays,
            )
    except OSError:
        return None
    return path


def load_warm(network: WalkNetwork, npz: Path, content_sha256: str) -> bool:
    """Install ``npz``'s saved search structures on ``network`` when they match it.

    Returns whether they were used (False: absent, of another network or version, or
    unreadable; then they are built on first use).
    """
    path = warm_path(npz)
    if not path.is_file():
        return False
    try:
        with np.load(path, allow_pickle=False) as z:
            if (
                str(z["format"]) != WARM_FORMAT
                or str(z["network_sha256"]) != content_sha256
                or str(z["versions"]) != str(_versions())
            ):
                return False
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
        return False
    labels = arrays.get("component_labels")
    if labels is None or labels.shape != (network.n_nodes,):
        return False
    try:
        _install(network, arrays)
    except (ValueError, KeyError):  # not of this network after all: build on first use
        _forget(network)
        return False
    return True


def _install(network: WalkNetwork, arrays: dict[str, Any]) -> None:
    from proximity.coverage.provenance import set_network_hash
    from proximity.routing._chains import ChainGraph
    from proximity.snap._nearest_edge import install_index

    def part(prefix: str) -> dict[str, np.ndarray]:
        return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}

    network.__dict__["component_labels"] = arrays["component_labels"]  # a cached_property
    set_network_hash(network, str(arrays["network_hash"]))
    install_index(network, None, part("index_all/"))
    if "index_main_components" in arrays:
        main = tuple(int(c) for c in arrays["index_main_components"])
        install_index(network, main, part("index_main/"))
    ChainGraph.install(network, part("chain/"))


def _forget(network: WalkNetwork) -> None:
    """Undo a partial :func:`_install`."""
    from proximity.coverage.provenance import set_network_hash
    from proximity.routing._chains import ChainGraph
    from proximity.snap._nearest_edge import drop_indexes

    network.__dict__.pop("component_labels", None)
    set_network_hash(network, None)
    drop_indexes(network)
    ChainGraph.drop(network)
