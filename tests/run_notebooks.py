"""Re-execute the notebooks and save them with their outputs (tables and plots).

Usage, from the repository::

    python tests/run_notebooks.py            # all of notebooks/*.ipynb
    python tests/run_notebooks.py notebooks/02_siting.ipynb

Each notebook runs top to bottom with nbclient (kernel ``python3``) in ``notebooks/``, offline
(``PROXIMITY_OFFLINE=1``) with a fresh temporary network cache, so that the outputs do not
depend on what this machine has cached; the notebooks write their files to
``out/notebooks/`` (git-ignored). Cell timing metadata is not recorded. A notebook is saved
only when it ran without error and none of its sources or outputs holds a local absolute
path (see :func:`local_paths`); otherwise the script says which cell and exits 1, leaving the
committed file unchanged. ``tests/test_notebooks.py`` re-executes them the same way.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TIMEOUT_S = 300  # per cell

#: A local absolute path: a POSIX home, temporary or work folder, or a Windows drive path.
LOCAL_PATH = re.compile(
    r"(?<![\w.])(?:/(?:work|root|home|tmp|var/folders|private|Users|mnt|opt)/[^\s'\"]*"
    r"|[A-Za-z]:\\\\?[^\s'\"]+)"
)


def _texts(nb) -> Iterator[tuple[int, str]]:
    """(cell index, text) of every source and text output (images excluded)."""
    for i, cell in enumerate(nb.cells):
        yield i, cell.source
        for o in cell.get("outputs", []):
            if "text" in o:
                yield i, str(o["text"])
            for mime, data in o.get("data", {}).items():
                if not mime.startswith("image/"):
                    yield i, data if isinstance(data, str) else str(data)
            if o.get("output_type") == "error":
                yield i, "\n".join(o.get("traceback", []))


def local_paths(nb) -> list[tuple[int, str]]:
    """(cell index, path) of every local absolute path in the notebook's sources and outputs."""
    return [(i, m.group(0)) for i, text in _texts(nb) for m in LOCAL_PATH.finditer(text)]


def execute(path: Path, env: dict[str, str] | None = None):
    """Run ``path`` top to bottom in a fresh kernel; return the executed notebook.

    ``env`` is added to the kernel's environment (for the time of the run).
    """
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        client = nbclient.NotebookClient(
            nb,
            kernel_name="python3",
            timeout=TIMEOUT_S,
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


def main(argv: list[str]) -> int:
    """Execute and save the notebooks given (default: all); 1 when one failed."""
    import nbformat

    from proximity._io import write_text_atomic

    paths = [Path(a).resolve() for a in argv] or NOTEBOOKS
    failed = 0
    with tempfile.TemporaryDirectory(prefix="proximity-notebooks-") as cache:
        env = {"PROXIMITY_OFFLINE": "1", "PROXIMITY_QUIET": "1", "PROXIMITY_CACHE": cache}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        for path in paths:
            t0 = time.perf_counter()
            nb = execute(path, env)
            found = local_paths(nb)
            if found:
                for i, p in found[:10]:
                    print(f"{path.name}: cell {i} holds the local path {p!r}", file=sys.stderr)
                failed += 1
                continue
            write_text_atomic(path, nbformat.writes(nb) + "\n")
            size_kb = path.stat().st_size / 1024
            print(f"{path.relative_to(ROOT)}: {time.perf_counter() - t0:.1f} s, {size_kb:.0f} KB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
