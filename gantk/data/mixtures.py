"""The 2-D Gaussian mixtures of the mode-collapse benchmarks: ``ring8`` and ``grid25``.

``ring8``: eight modes on a circle of radius 2, std 0.02 (Metz et al. 2017, the unrolled-GAN
ring, as used by VEEGAN, Srivastava et al. 2017). ``grid25``: a 5 x 5 grid at -4, -2, 0, 2, 4
on each axis, std 0.05 (VEEGAN, PacGAN, Lin et al. 2018). Each source holds ``NUM_EXAMPLES``
points drawn once with a fixed seed, every mode equally likely; the label of a point is the
index of its mode, so a conditional GAN can be asked for one mode.
"""

from typing import NamedTuple

import numpy as np

from gantk.data.source import BundledSource, DatasetFacts, ImageData
from gantk.errors import DatasetError
from gantk.metrics.modes import GRID25_STD, RING8_STD, grid25_centers, ring8_centers

NUM_EXAMPLES = 100_000
SEED = 2017


class Mixture(NamedTuple):
    centers: np.ndarray
    std: float


MIXTURES = {
    "ring8": Mixture(ring8_centers(), RING8_STD),
    "grid25": Mixture(grid25_centers(), GRID25_STD),
}


def get_mixture(name):
    if name not in MIXTURES:
        raise DatasetError(f"Argument `dataset` must be a 2-D mixture ({', '.join(MIXTURES)}). Received: dataset={name!r}")
    return MIXTURES[name]


def sample_mixture(name, n=NUM_EXAMPLES, seed=SEED):
    """``(points float32 [n, 2], mode index int32 [n])``: modes uniform, isotropic Gaussian noise."""
    centers, std = get_mixture(name)
    rng = np.random.default_rng(seed)
    modes = rng.integers(0, len(centers), size=n).astype(np.int32)
    points = centers[modes] + std * rng.standard_normal((n, centers.shape[1]))
    return points.astype(np.float32), modes


def load_mixture(name):
    import tensorflow as tf

    points, modes = sample_mixture(name)
    return ImageData(
        name=name,
        dataset=tf.data.Dataset.from_tensor_slices({"image": points, "label": modes}),
        num_examples=NUM_EXAMPLES,
        element_shape=(2,),
        label_names=[str(index) for index in range(len(MIXTURES[name].centers))],
        kind="points",
        summary={
            "source": "bundled",
            "origin": f"{NUM_EXAMPLES} points drawn with seed {SEED}, std {MIXTURES[name].std}",
            "preprocessing": {"value_range": "float32 points in model units, not scaled"},
        },
    )


SOURCES = tuple(
    BundledSource(
        name=name,
        summary=f"2-D Gaussian mixture of {len(mixture.centers)} modes (point data)",
        facts=DatasetFacts(kind="points", point_dim=mixture.centers.shape[1]),
        load=lambda image_size=None, channels=None, split=None, name=name: load_mixture(name),
    )
    for name, mixture in MIXTURES.items()
)
