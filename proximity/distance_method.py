"""How distances were measured: over the walking network, or crow-fly times a detour factor.

:class:`DistanceMethod` is the one home of this fact. Its :attr:`~DistanceMethod.label` is
the string every table column, provenance record and printout carries (``"network"`` or
``"crowfly×1.3"``), and :meth:`DistanceMethod.parse` is the one way back from that string.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from proximity.errors import ParameterError

_CROWFLY = re.compile(r"^crowfly×([0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)$")


@dataclass(frozen=True)
class DistanceMethod:
    """A distance method: the walking network, or crow-fly distance × ``detour_factor``.

    Parameters
    ----------
    detour_factor : float or None
        ``None`` for distances over the walking network; else the factor (≥ 1) that
        straight-line distances are multiplied by.
    """

    detour_factor: float | None = None

    def __post_init__(self) -> None:
        f = self.detour_factor
        if f is not None and not (math.isfinite(f) and f >= 1.0):
            raise ParameterError(
                f"detour_factor must be a finite number ≥ 1, got {f!r}.",
                fix="Use e.g. 1.3 (a typical urban walking detour).",
            )

    @classmethod
    def network(cls) -> DistanceMethod:
        """Distances over the walking network."""
        return cls(None)

    @classmethod
    def crowfly(cls, detour_factor: float) -> DistanceMethod:
        """Straight-line distances × ``detour_factor``."""
        return cls(float(detour_factor))

    @classmethod
    def of(cls, network: object, detour_factor: float) -> DistanceMethod:
        """The method a computation uses: network when ``network`` is given, else crow-fly."""
        return cls.network() if network is not None else cls.crowfly(detour_factor)

    @property
    def is_crowfly(self) -> bool:
        """Whether distances are straight-line approximations."""
        return self.detour_factor is not None

    @property
    def label(self) -> str:
        """``"network"`` or ``"crowfly×F"`` (``F`` formatted with ``:g``, e.g. ``1.3``)."""
        return "network" if self.detour_factor is None else f"crowfly×{self.detour_factor:g}"

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, label: str) -> DistanceMethod:
        """The method named by a :attr:`label` string.

        Parameters
        ----------
        label : str
            ``"network"`` or ``"crowfly×F"``.

        Returns
        -------
        DistanceMethod

        Raises
        ------
        ParameterError
            If ``label`` is neither form.
        """
        text = str(label).strip()
        if text == "network":
            return cls.network()
        m = _CROWFLY.match(text)
        if m:
            return cls.crowfly(float(m.group(1)))
        raise ParameterError(
            f"Unknown distance method {label!r}.",
            fix='Use "network" or "crowfly×F" with a detour factor F, e.g. "crowfly×1.3".',
        )
