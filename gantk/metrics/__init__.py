"""Sample-quality measures on features and samples held as numpy arrays.

Pure numpy and scipy (no TensorFlow), so importing them is fast: feature extraction (for
example Inception activations) happens elsewhere and hands arrays in.
"""

from gantk.metrics.confidence import CONFIDENT, confident_fraction
from gantk.metrics.frechet import (
    feature_statistics,
    frechet_distance,
    frechet_distance_from_statistics,
)
from gantk.metrics.inception_score import InceptionScore, inception_score
from gantk.metrics.kid import KernelInceptionDistance, kernel_inception_distance
from gantk.metrics.modes import (
    GRID25_STD,
    RING8_RADIUS,
    RING8_STD,
    ModeCoverage,
    grid25_centers,
    mode_coverage,
    ring8_centers,
)
from gantk.metrics.precision_recall import PrecisionRecall, precision_recall

__all__ = [
    "CONFIDENT",
    "GRID25_STD",
    "RING8_RADIUS",
    "RING8_STD",
    "InceptionScore",
    "KernelInceptionDistance",
    "ModeCoverage",
    "PrecisionRecall",
    "confident_fraction",
    "feature_statistics",
    "frechet_distance",
    "frechet_distance_from_statistics",
    "grid25_centers",
    "inception_score",
    "kernel_inception_distance",
    "mode_coverage",
    "precision_recall",
    "ring8_centers",
]
