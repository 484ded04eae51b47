"""The collapse alarm: a cheap diversity statistic of the fixed-latent samples, checked every epoch.

Mode collapse is the generator mapping many latents to the same output (the "Helvetica
scenario" of Goodfellow et al. 2014, section 5.1.1 of Goodfellow's NIPS 2016 tutorial). Like
minibatch discrimination (Salimans et al. 2016) this looks at distances between samples: the
statistic is the mean pairwise L2 distance of the run's fixed-latent samples divided by the
same mean over as many real examples, so 1 means "as varied as the data" and 0 "all identical".

The rule: warn when the ratio falls below ``DROP`` (one half) of the best ratio of the run's
earlier epochs, once that best has reached ``MIN_BEST`` (0.1). An untrained generator's
near-constant output has a tiny ratio that only rises, so it never sets the alarm off.
"""

from dataclasses import dataclass

import numpy as np

from gantk.pixels import from_uint8

DROP = 0.5
MIN_BEST = 0.1
REFERENCE_EXAMPLES = 64
ALARM_PREFIX = "COLLAPSE?"


def mean_pairwise_distance(samples):
    """Mean Euclidean distance over all pairs of the rows of ``samples`` (flattened), in float64."""
    flat = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    if len(flat) < 2:
        raise ValueError(f"Argument `samples` must hold at least two samples. Received: {len(flat)}")
    squares = np.einsum("ij,ij->i", flat, flat)
    distances = np.sqrt(np.maximum(squares[:, None] + squares[None, :] - 2.0 * flat @ flat.T, 0.0))
    upper = np.triu_indices(len(flat), 1)
    return float(distances[upper].mean())


def real_examples(data, n=REFERENCE_EXAMPLES):
    """The first ``n`` examples of ``data`` in model units: images scaled to [-1, 1], points as they are."""
    examples = [element["image"] for element in data.dataset.take(n).as_numpy_iterator()]
    array = np.stack(examples)
    if array.dtype == np.uint8:
        return from_uint8(array)
    return array.astype(np.float32)


@dataclass(frozen=True)
class Check:
    """One epoch's verdict: the diversity ratio, the best earlier ratio and whether the alarm is on."""

    ratio: float
    best: float
    collapsed: bool

    def message(self):
        return f"{ALARM_PREFIX} diversity {self.ratio:.3f}, best was {self.best:.3f}" if self.collapsed else ""


class CollapseAlarm:
    """Diversity ratios epoch by epoch against ``reference_distance`` (that of real examples)."""

    def __init__(self, reference_distance, best=0.0, drop=DROP, min_best=MIN_BEST):
        if not reference_distance > 0:
            raise ValueError(f"Argument `reference_distance` must be positive. Received: {reference_distance}")
        self.reference_distance = float(reference_distance)
        self.best = float(best)
        self.drop = drop
        self.min_best = min_best

    @classmethod
    def for_data(cls, real, history=()):
        """An alarm measured against ``real`` examples, remembering the ratios of ``history`` records;
        ``None`` when the examples are all the same, which leaves no spread to compare with."""
        distance = mean_pairwise_distance(real)
        if not distance > 0:
            return None
        best = max((record["diversity"] for record in history if "diversity" in record), default=0.0)
        return cls(distance, best=best)

    def update(self, samples):
        """Judge this epoch's fixed-latent ``samples``, then remember their ratio."""
        ratio = mean_pairwise_distance(samples) / self.reference_distance
        check = Check(ratio, self.best, self.best >= self.min_best and ratio < self.drop * self.best)
        self.best = max(self.best, ratio)
        return check
