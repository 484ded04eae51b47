"""Kernel Inception Distance: unbiased polynomial-kernel MMD^2 averaged over random subsets.

Binkowski, Sutherland, Arbel and Gretton, "Demystifying MMD GANs", ICLR 2018
(arXiv:1801.01401), Section 4. With the cubic polynomial kernel
k(x, y) = (x . y / d + 1)^3 on d-dimensional features, each subset pair of m real and m fake
samples gives the unbiased estimate

    MMD^2 = sum_{i != j} [k(x_i, x_j) + k(y_i, y_j)] / (m (m - 1)) - 2 sum_{i, j} k(x_i, y_j) / m^2,

which can be slightly negative when the two sets come from the same distribution. The subsets
are drawn without replacement from each set, independently for every subset, by a generator
seeded with ``seed``, as in the authors' reference code.
"""

from typing import NamedTuple

import numpy as np

from gantk.metrics.validation import check_integer, feature_pair


class KernelInceptionDistance(NamedTuple):
    """KID over subsets.

    ``mean`` is the average of the per-subset MMD^2 estimates; ``std`` is their standard
    deviation (ddof=0, as torch-fidelity and clean-fid report it), the spread of one subset's
    estimate, not the standard error of ``mean``.
    """

    mean: float
    std: float


def kernel_inception_distance(
    real_features, fake_features, num_subsets=100, subset_size=1000, seed=0
):
    """Return the :class:`KernelInceptionDistance` between two ``(n, d)`` feature sets.

    ``subset_size`` is clipped to the smaller of the two sample counts.
    """
    real, fake = feature_pair(real_features, fake_features)
    check_integer(num_subsets, "num_subsets", minimum=1)
    check_integer(subset_size, "subset_size", minimum=2)
    size = min(int(subset_size), real.shape[0], fake.shape[0])
    rng = np.random.default_rng(seed)
    values = np.empty(int(num_subsets))
    for index in range(values.size):
        x = real[rng.choice(real.shape[0], size, replace=False)]
        y = fake[rng.choice(fake.shape[0], size, replace=False)]
        values[index] = _polynomial_mmd2(x, y)
    return KernelInceptionDistance(mean=float(values.mean()), std=float(values.std()))


def _polynomial_mmd2(x, y):
    m, d = x.shape
    k_xx = (x @ x.T / d + 1.0) ** 3
    k_yy = (y @ y.T / d + 1.0) ** 3
    k_xy = (x @ y.T / d + 1.0) ** 3
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return within - 2.0 * k_xy.sum() / (m * m)
