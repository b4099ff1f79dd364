"""The Lagrangian bound of the MCLP (proximity.siting.lagrangian)."""

from __future__ import annotations

import numpy as np
import pytest
from _siting_instances import SEEDS, VARIANTS, brute_force, variant_instance


@pytest.mark.parametrize("variant", VARIANTS)
def test_lagrangian_bound_is_valid(variant: str | None) -> None:
    from proximity.siting.solvers import lagrangian_bound_mclp

    for seed in SEEDS:
        P, d = variant_instance(seed, variant)
        bf = brute_force(d, "mclp")
        # one group per active demand point (no reduction): the bound is for the new part
        act = ~P.existing_covered & (np.asarray(P.cover.sum(axis=0)).ravel() > 0)
        Cg = P.cover.tocsc()[:, np.flatnonzero(act)].T.tocsr().astype(float)
        const = float(P.demand_weight[P.existing_covered].sum())
        for budget in (0.0, 1.0):  # one step, and converged
            bound, _, x, val = lagrangian_bound_mclp(
                P,
                Cg,
                P.demand_weight[act],
                0.0,
                time_budget_s=budget,
                max_iter=1 if budget == 0 else 2000,
            )
            assert bound + const >= bf - 1e-6
            # the Lagrangian heuristic's set is feasible and its value is what it covers
            assert x.sum() == P.k
            assert val + const == pytest.approx(P.objective(np.flatnonzero(x)))
            assert val + const <= bf + 1e-6
