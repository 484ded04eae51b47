"""Improved precision and recall from k-nearest-neighbour manifolds.

Kynkaanniemi, Karras, Laine, Lehtinen and Aila, "Improved Precision and Recall Metric for
Assessing Generative Models", NeurIPS 2019 (arXiv:1904.06991), Section 2. Each feature set
spans a manifold: the union of balls around its samples, each ball's radius being the distance
from the sample to its k-th nearest other sample in the same set. Precision is the fraction of
fake samples inside the real manifold (a fake sample is inside when its distance to some real
sample is at most that sample's radius); recall is the fraction of real samples inside the fake
manifold. Distances are computed a block of ``batch_size`` rows at a time, so the memory used
grows with ``batch_size`` times the sample count, never with the square of the sample count;
float32 (and float16) features are kept and compared in float32, anything else in float64.
"""

from typing import NamedTuple

import numpy as np

from gantk.errors import GantkError
from gantk.metrics.validation import feature_pair, is_integer


class PrecisionRecall(NamedTuple):
    """Fractions in [0, 1]: fake samples in the real manifold, real samples in the fake one."""

    precision: float
    recall: float


def precision_recall(real_features, fake_features, k=3, batch_size=1000):
    """Return the :class:`PrecisionRecall` of ``(n, d)`` fake features against real features."""
    real, fake = feature_pair(real_features, fake_features, keep_float32=True)
    smallest = min(real.shape[0], fake.shape[0])
    if not is_integer(k) or not 1 <= k < smallest:
        raise GantkError(
            f"Argument `k` must be an integer from 1 to {smallest - 1}, one less than the smaller "
            f"sample count. Received: k={k!r}"
        )
    if not is_integer(batch_size) or batch_size < 1:
        raise GantkError(
            f"Argument `batch_size` must be a positive integer. Received: batch_size={batch_size!r}"
        )
    real_radii = _knn_radii(real, int(k), int(batch_size))
    fake_radii = _knn_radii(fake, int(k), int(batch_size))
    precision = _inside_fraction(fake, real, real_radii, int(batch_size))
    recall = _inside_fraction(real, fake, fake_radii, int(batch_size))
    return PrecisionRecall(precision=precision, recall=recall)


def _knn_radii(points, k, batch_size):
    """Squared distance from each point to its k-th nearest other point."""
    radii = np.empty(points.shape[0])
    for start in range(0, points.shape[0], batch_size):
        block = _squared_distances(points[start : start + batch_size], points)
        rows = np.arange(block.shape[0])
        block[rows, start + rows] = -1.0
        radii[start : start + block.shape[0]] = np.partition(block, k, axis=1)[:, k]
    return radii


def _inside_fraction(queries, points, radii, batch_size):
    inside = 0
    for start in range(0, queries.shape[0], batch_size):
        block = _squared_distances(queries[start : start + batch_size], points)
        inside += int(np.count_nonzero((block <= radii[None, :]).any(axis=1)))
    return inside / queries.shape[0]


def _squared_distances(a, b):
    distances = (a * a).sum(axis=1)[:, None] - 2.0 * (a @ b.T)
    distances += (b * b).sum(axis=1)[None, :]
    return np.maximum(distances, 0.0, out=distances)
