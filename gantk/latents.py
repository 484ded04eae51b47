"""Fixed-seed latent vectors, drawn the same way by training, ``gantk sample`` and the runtime.

Only numpy is imported here, so the TensorFlow-free runtime shares this exact code path and a
seed means the same images everywhere.
"""

import numbers

import numpy as np

from gantk.errors import InputTypeError, InputValueError

MAX_SAMPLE_BYTES = 1 << 30
"""The most bytes of images one request may make (1 GiB); larger requests are refused before any work."""
CHUNK = 256


def check_integer(value, name, minimum):
    """``value`` as an ``int`` when it is an integer (not a bool or a float) of at least ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InputTypeError(f"Argument `{name}` must be an integer. Received: {name}={value!r} ({type(value).__name__})")
    if int(value) < minimum:
        kind = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer of at least {minimum}")
        raise InputValueError(f"Argument `{name}` must be {kind}. Received: {name}={value!r}")
    return int(value)


def check_sample_size(n, image_shape, bytes_per_value=1, limit=MAX_SAMPLE_BYTES, minimum=1):
    """Refuse ``n`` images of ``image_shape`` whose array would take more than ``limit`` bytes."""
    n = check_integer(n, "n", minimum)
    size = n * int(np.prod(image_shape)) * bytes_per_value
    if size > limit:
        most = max(1, limit // (int(np.prod(image_shape)) * bytes_per_value))
        raise InputValueError(
            f"Argument `n` must be at most {most} images of shape {tuple(image_shape)} per request "
            f"({limit / 2**30:.0f} GiB); draw them in several requests. Received: n={n}"
        )
    return n


def latent_chunks(n, latent_dim, seed=0, chunk=CHUNK):
    """``latent_vectors(n, latent_dim, seed)`` in consecutive float32 pieces of at most ``chunk`` rows."""
    n, seed = check_integer(n, "n", 1), check_integer(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    for start in range(0, n, chunk):
        yield rng.standard_normal((min(chunk, n - start), int(latent_dim))).astype(np.float32)


def category_latents(z, categories, category):
    """``z`` with its first coordinate moved to the middle of ``category``'s share of the standard
    normal, so a generator whose first layer picks one of ``categories`` equally likely categories
    from it (``LatentMixture``, InfoGAN's code) draws ``category``; the rest of z is unchanged."""
    from statistics import NormalDist

    z = np.array(z, np.float32)
    z[:, 0] = NormalDist().inv_cdf((category + 0.5) / categories)
    return z


def latent_vectors(n, latent_dim, seed=0):
    """Return ``n`` standard-normal latent vectors of size ``latent_dim`` as float32 [n, latent_dim]."""
    return np.concatenate(list(latent_chunks(n, latent_dim, seed)))


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
