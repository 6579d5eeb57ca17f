"""Coverage of 95 % intervals for a group index (mean of organisation scores) at small n.

Run from the repository root (about a minute)::

    .venv/bin/python docs/simulations/small_group_coverage.py

For every population, weighting and group size n it draws ``REPS`` groups of n organisation
scores, computes each interval and counts how often it covers the population (weighted)
mean. Populations (percent-of-maximum scores): normal N(50, 10^2); right-skewed
100 * Beta(2, 6); weights: equal, or lognormal "employees" (sd of log 0.8, independent of
the score). The weighted target is the population ratio mean E[w x] / E[w] (estimated with
10^6 draws). Methods:

- ``percentile``: percentile bootstrap (the former method);
- ``expanded``: Hesterberg's expanded percentile bootstrap (quantiles at
  Phi(sqrt(n/(n-1)) t_{n-1, a}) instead of a);
- ``t``: mean +- t_{n-1} * linearised SE (the ratio-estimator SE; s / sqrt(n) unweighted);
- ``bootstrap_t``: studentised bootstrap with the linearised SE;
- ``bca``: bias-corrected and accelerated bootstrap (jackknife acceleration).

Prints the table in docs/methods.md (section 5.3).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

REPS = 2000
N_BOOT = 999
SIZES = (5, 8, 10, 20, 50)
SEED = 20260601


def lin_se(x, w):
    """Linearised SE of the ratio mean sum(w x)/sum(w); rows are samples."""
    n = x.shape[-1]
    mu = (w * x).sum(-1) / w.sum(-1)
    resid = w * (x - mu[..., None])
    return mu, np.sqrt(n / (n - 1) * (resid**2).sum(-1)) / w.sum(-1)


def intervals(x, w, rng):
    n = x.size
    mu, se = lin_se(x, w)
    draws = rng.integers(0, n, (N_BOOT, n))
    xb, wb = x[draws], w[draws]
    mub, seb = lin_se(xb, wb)
    out = {}
    out["percentile"] = np.quantile(mub, [0.025, 0.975])
    t = stats.t.ppf(0.975, n - 1)
    a = stats.norm.cdf(-np.sqrt(n / (n - 1)) * t)
    out["expanded"] = np.quantile(mub, [a, 1 - a])
    out["t"] = (mu - t * se, mu + t * se)
    with np.errstate(divide="ignore", invalid="ignore"):
        tb = (mub - mu) / seb
    tb = tb[np.isfinite(tb)]
    q = np.quantile(tb, [0.975, 0.025]) if tb.size else [np.nan, np.nan]
    out["bootstrap_t"] = (mu - q[0] * se, mu - q[1] * se)
    # BCa
    z0 = stats.norm.ppf(np.clip(np.mean(mub < mu), 1e-10, 1 - 1e-10))
    keep = ~np.eye(n, dtype=bool)
    jack = (w[None, :] * x[None, :] * keep).sum(1) / (w[None, :] * keep).sum(1)
    d = jack.mean() - jack
    acc = (d**3).sum() / (6 * ((d**2).sum()) ** 1.5) if (d**2).sum() > 0 else 0.0
    zs = stats.norm.ppf([0.025, 0.975])
    adj = stats.norm.cdf(z0 + (z0 + zs) / (1 - acc * (z0 + zs)))
    out["bca"] = np.quantile(mub, adj)
    return out


def main() -> None:
    rng = np.random.default_rng(SEED)
    populations = {
        "normal": lambda size: rng.normal(50, 10, size),
        "skewed": lambda size: 100 * rng.beta(2, 6, size),
    }
    weightings = {
        "equal": lambda size: np.ones(size),
        "employees": lambda size: rng.lognormal(np.log(1500), 0.8, size),
    }
    methods = ("percentile", "expanded", "t", "bootstrap_t", "bca")
    print("| population | weights | n | " + " | ".join(methods) + " |")
    print("|---|---|---|" + "---|" * len(methods))
    for pname, pop in populations.items():
        for wname, wfun in weightings.items():
            big_x, big_w = pop(1_000_000), wfun(1_000_000)
            target = (big_w * big_x).sum() / big_w.sum()
            for n in SIZES:
                hits = dict.fromkeys(methods, 0)
                for _ in range(REPS):
                    x, w = pop(n), wfun(n)
                    for m, (lo, hi) in intervals(x, w, rng).items():
                        hits[m] += lo <= target <= hi
                cells = " | ".join(f"{100 * hits[m] / REPS:.1f}" for m in methods)
                print(f"| {pname} | {wname} | {n} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
