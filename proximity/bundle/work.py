"""The work folder of a build: one output per step.

A second build reuses the outputs, and a build that failed part-way resumes at the failed step.

The folder is ``<cache>/bundles/<code>-<digest>``, the digest covering the municipality, the
input files' sha256 and the options (:func:`work_key`). A step whose output exists is not
run again; outputs are written atomically, so a crash never leaves a half-written one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from proximity._io import atomic_path, text_sha256, write_json_atomic


def work_key(obj: dict[str, Any]) -> str:
    """A short digest of a JSON-able description of the build's inputs."""
    return text_sha256(json.dumps(obj, sort_keys=True, default=str))[:16]


@dataclass
class Work:
    """Per-step outputs of one build in ``folder``; ``ran`` lists the steps run this time."""

    folder: Path
    say: Callable[[str], None] = print
    ran: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def frame(self, name: str, make: Callable[[], gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
        """The step's GeoDataFrame: read from ``name.parquet``, or made and saved."""
        p = self.folder / f"{name}.parquet"
        if p.exists():
            self.say(f"{name}: reusing {p}")
            return gpd.read_parquet(p)
        self.say(f"{name}: building")
        g = make()
        with atomic_path(p) as tmp:
            g.to_parquet(tmp)
        self.ran.append(name)
        return g

    def table(self, name: str, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """Like :meth:`frame`, for a plain table (index kept)."""
        p = self.folder / f"{name}.parquet"
        if p.exists():
            self.say(f"{name}: reusing {p}")
            return pd.read_parquet(p)
        self.say(f"{name}: building")
        df = make()
        with atomic_path(p) as tmp:
            df.to_parquet(tmp)
        self.ran.append(name)
        return df

    def json(self, name: str, make: Callable[[], Any]) -> Any:
        """Like :meth:`frame`, for a JSON-able value."""
        p = self.folder / f"{name}.json"
        if p.exists():
            return json.loads(p.read_text(encoding="utf-8"))
        value = make()
        write_json_atomic(p, value)
        self.ran.append(name)
        return json.loads(p.read_text(encoding="utf-8"))

    def file(self, name: str, make: Callable[[Path], None]) -> Path:
        """A file step: ``make(tmp_path)`` writes it; reused when present."""
        p = self.folder / name
        if p.exists():
            self.say(f"{name}: reusing {p}")
            return p
        self.say(f"{name}: building")
        with atomic_path(p) as tmp:
            make(tmp)
        self.ran.append(name)
        return p
