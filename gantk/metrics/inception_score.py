"""Inception Score: exp of the mean KL divergence from p(y|x) to the marginal p(y).

Salimans, Goodfellow, Zaremba, Cheung, Radford and Chen, "Improved Techniques for Training
GANs", NeurIPS 2016 (arXiv:1606.03498), Section 4: IS = exp(E_x KL(p(y|x) || p(y))). As in
the authors' reference code, the samples are cut into ``splits`` consecutive parts, the score
is computed on each part with that part's own marginal, and the mean and standard deviation
(ddof=0) over the parts are reported. It lies between 1 (every sample has the same class
distribution) and the number of classes (confident predictions spread evenly over classes).
"""

from typing import NamedTuple

import numpy as np

from gantk.errors import GantkError
from gantk.metrics.validation import is_integer

_ROW_SUM_TOLERANCE = 1e-3


class InceptionScore(NamedTuple):
    """Mean and standard deviation (ddof=0) of the score over the splits."""

    mean: float
    std: float


def inception_score(class_probabilities, splits=10):
    """Return the :class:`InceptionScore` of ``(n, num_classes)`` predicted class probabilities."""
    from scipy.special import rel_entr

    probabilities = np.asarray(class_probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[0] < 1 or probabilities.shape[1] < 1:
        raise GantkError(
            "Argument `class_probabilities` must be a 2-D array of shape (num_samples, "
            f"num_classes). Received: class_probabilities.shape={np.shape(class_probabilities)}"
        )
    if not np.all(np.isfinite(probabilities)) or probabilities.min() < 0:
        raise GantkError(
            "Argument `class_probabilities` must contain finite non-negative probabilities. "
            f"Received: values from {np.nanmin(probabilities)} to {np.nanmax(probabilities)}"
        )
    row_sums = probabilities.sum(axis=1)
    worst = int(np.argmax(np.abs(row_sums - 1.0)))
    if abs(row_sums[worst] - 1.0) > _ROW_SUM_TOLERANCE:
        raise GantkError(
            "Argument `class_probabilities` must have rows summing to 1 (softmax outputs, not "
            f"logits). Received: row {worst} sums to {row_sums[worst]:.6g}"
        )
    count = probabilities.shape[0]
    if not is_integer(splits) or not 1 <= splits <= count:
        raise GantkError(
            f"Argument `splits` must be an integer from 1 to the number of samples ({count}). "
            f"Received: splits={splits!r}"
        )
    scores = []
    for index in range(splits):
        part = probabilities[index * count // splits : (index + 1) * count // splits]
        marginal = part.mean(axis=0, keepdims=True)
        scores.append(np.exp(rel_entr(part, marginal).sum(axis=1).mean()))
    return InceptionScore(mean=float(np.mean(scores)), std=float(np.std(scores)))
