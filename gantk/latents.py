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


def grid_columns(n, num_classes):
    """Images per row of a conditional grid of ``n``: ``ceil(n / num_classes)``, one row per class."""
    return -(-int(n) // int(num_classes))


def grid_labels(n, num_classes):
    """Labels for ``n`` images spread evenly over the classes in class order: ``floor(i * K / n)``.

    When ``n`` is a multiple of ``K`` (as ``grid_size`` makes it) each class fills one row of
    ``grid_columns`` images; otherwise every class still appears once ``n >= K``.
    """
    return (np.arange(int(n)) * int(num_classes) // int(n)).astype(np.int32)


def grid_size(n, num_classes):
    """``n`` for an unconditional grid; for a conditional one, the multiple of ``num_classes`` at
    or above ``n``, so every class fills its row."""
    return int(num_classes) * grid_columns(n, num_classes) if num_classes else int(n)
