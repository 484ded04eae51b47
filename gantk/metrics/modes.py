"""Mode coverage and sample quality on Gaussian mixtures with known centres.

The protocol of VEEGAN (Srivastava, Valkov, Russell, Gutmann and Sutton, "VEEGAN: Reducing
Mode Collapse in GANs using Implicit Variational Learning", NeurIPS 2017, arXiv:1705.07761,
Section 5.1) that PacGAN (Lin, Khetan, Fanti and Oh, "PacGAN: The power of two samples in
generative adversarial networks", NeurIPS 2018, arXiv:1712.04086, Section 3.1) reuses:

Each generated sample is assigned to the mixture component whose centre is nearest to it. The
sample is *high quality* when that distance is less than three standard deviations of the
component (VEEGAN uses ten on its 1200-D mixture). A mode counts as *covered* when at least
one high-quality sample is assigned to it: there is no minimum count beyond one. The report
is the number of modes covered out of the total, and the fraction of all samples that are
high quality. Both papers draw 2,500 samples from the generator and average over runs
(VEEGAN five, PacGAN ten). The counting follows ``MetricLogger`` in the PacGAN authors' code
(github.com/fjxmlzn/PacGAN, ``synthetic_data_experiments/PacGAN/pacgan/extensions.py``):
nearest centre, ``distance / std < 3``, and a mode covered when its count is non-zero.

The two standard mixtures: ``ring8_centers()`` with ``RING8_STD`` (eight modes on a circle of
radius 2, std 0.02, the unrolled-GAN ring of Metz et al. 2017; PacGAN's code uses radius 1
and std 0.01, the same shape at half the scale) and ``grid25_centers()`` with ``GRID25_STD``
(a 5 x 5 grid at -4, -2, 0, 2, 4 on each axis, std 0.05, as in PacGAN).
"""

import numbers
from typing import NamedTuple

import numpy as np

from gantk.errors import GantkError
from gantk.metrics.validation import as_matrix

RING8_RADIUS = 2.0
RING8_STD = 0.02
GRID25_STD = 0.05


class ModeCoverage(NamedTuple):
    """Modes with at least one high-quality sample, the number of modes, the fraction of
    samples that are high quality, and the high-quality count of each mode (``(num_modes,)``)."""

    modes_covered: int
    modes_total: int
    high_quality_fraction: float
    counts: np.ndarray


def ring8_centers():
    """Return the ``(8, 2)`` centres at angles 2 pi i / 8 on a circle of radius ``RING8_RADIUS``."""
    angles = 2.0 * np.pi * np.arange(8) / 8
    return RING8_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid25_centers():
    """Return the ``(25, 2)`` centres of the 5 x 5 grid at -4, -2, 0, 2, 4 on each axis."""
    axis = np.arange(-4.0, 5.0, 2.0)
    return np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)


def mode_coverage(samples, centers, std, num_std=3.0):
    """Return the :class:`ModeCoverage` of ``(n, d)`` samples on modes at ``(m, d)`` centres.

    ``std`` is the standard deviation shared by all components; a sample is high quality when
    it lies less than ``num_std * std`` from its nearest centre.
    """
    centers = as_matrix(centers, "centers", min_rows=1, rows="num_points", columns="num_dims")
    samples = as_matrix(samples, "samples", min_rows=1, rows="num_points", columns="num_dims")
    if samples.shape[1] != centers.shape[1]:
        raise GantkError(
            f"Argument `samples` must have as many columns as `centers` ({centers.shape[1]}). "
            f"Received: samples.shape={samples.shape}"
        )
    for value, name in ((std, "std"), (num_std, "num_std")):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
            raise GantkError(
                f"Argument `{name}` must be a positive number. Received: {name}={value!r}"
            )
    squared = np.stack([((samples - center) ** 2).sum(axis=1) for center in centers], axis=1)
    nearest = squared.argmin(axis=1)
    distance = np.sqrt(squared[np.arange(samples.shape[0]), nearest])
    high_quality = distance < num_std * std
    counts = np.bincount(nearest[high_quality], minlength=centers.shape[0])
    return ModeCoverage(
        modes_covered=int(np.count_nonzero(counts)),
        modes_total=int(centers.shape[0]),
        high_quality_fraction=float(high_quality.mean()),
        counts=counts,
    )
