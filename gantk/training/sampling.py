"""Images from a run's generator for fixed seeds: the same latents as ``gantk.export.runtime``."""

import numpy as np

from gantk.errors import ConfigError
from gantk.latents import grid_labels, latent_vectors
from gantk.pixels import to_uint8


def resolve_labels(labels, n, config):
    """Class indices for ``n`` samples: one label, a list, or one row per class when ``None``."""
    num_classes = config.num_classes
    if labels is None:
        return grid_labels(n, num_classes) if num_classes else None
    names = config.label_names or []
    values = np.atleast_1d(np.asarray(labels, dtype=object))
    indices = []
    for value in values:
        if isinstance(value, str) and value in names:
            indices.append(names.index(value))
        elif isinstance(value, str) and value.lstrip("-").isdigit():
            indices.append(int(value))
        elif isinstance(value, (int, np.integer)):
            indices.append(int(value))
        else:
            raise ConfigError(f"Argument `label` must be a class index or one of {names}. Received: label={value!r}")
    indices = np.asarray(indices if len(indices) > 1 else indices * n, dtype=np.int32)
    if len(indices) != n:
        raise ConfigError(f"Argument `label` must give one label or {n} labels. Received: {len(indices)} labels")
    if indices.min() < 0 or indices.max() >= num_classes:
        raise ConfigError(f"Argument `label` must be in [0, {num_classes - 1}]. Received: label={indices.tolist()}")
    return indices


def generate_images(gan, config, n, seed=0, labels=None, batch_size=256):
    """float32 images in [-1, 1] for latents ``latent_vectors(n, latent_dim, seed)``, in inference mode."""
    if labels is not None and not gan.conditional:
        raise ConfigError(f"The {config.variant} generator is not conditional, so it takes no --label.")
    z = latent_vectors(n, config.latent_dim, seed)
    labels = resolve_labels(labels, n, config) if gan.conditional else None
    chunks = []
    for start in range(0, n, batch_size):
        stop = start + batch_size
        chunk_labels = labels[start:stop] if labels is not None else None
        chunks.append(np.asarray(gan.generate(z[start:stop], chunk_labels, training=False)))
    return np.concatenate(chunks)


def sample_uint8(gan, config, n, seed=0, labels=None):
    return to_uint8(generate_images(gan, config, n, seed, labels))
