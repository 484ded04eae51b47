"""Fixed-seed latent vectors, drawn the same way by training, ``gantk sample`` and the runtime.

Only numpy is imported here, so the TensorFlow-free runtime shares this exact code path and a
seed means the same images everywhere.
"""

import numpy as np


def latent_vectors(n, latent_dim, seed=0):
    """Return ``n`` standard-normal latent vectors of size ``latent_dim`` as float32 [n, latent_dim]."""
    if int(n) < 1:
        raise ValueError(f"Argument `n` must be a positive number of samples. Received: n={n}")
    rng = np.random.default_rng(int(seed))
    return rng.standard_normal((int(n), int(latent_dim))).astype(np.float32)


def grid_labels(n, num_classes):
    """Labels 0, 1, ..., num_classes - 1 repeated, so a grid of ``n`` shows every class in turn."""
    return (np.arange(int(n)) % int(num_classes)).astype(np.int32)


def to_uint8(images):
    """Map images in [-1, 1] to uint8 in [0, 255], rounding to the nearest step."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
