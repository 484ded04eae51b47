"""Inputs beside their reconstructions by an auto-encoder run (``ae``, ``vae``), and the VAE's held-out ELBO."""

import os

import numpy as np

from gantk.errors import ConfigError
from gantk.pixels import HALF_RANGE, from_uint8


def require_autoencoder(model, config):
    if not hasattr(model, "reconstruct"):
        raise ConfigError(f"Run variant {config.variant!r} does not reconstruct; train ae or vae.")


def reconstruct_images(model, images, batch_size=256):
    """uint8 reconstructions (code means decoded, inference mode) of uint8 ``images``."""
    from gantk.pixels import to_uint8

    chunks = []
    for start in range(0, len(images), batch_size):
        x = from_uint8(images[start : start + batch_size])
        chunks.append(np.asarray(model.reconstruct(x, training=False), np.float32))
    return to_uint8(np.concatenate(chunks))


def reconstruction_grid(model, config, input_path, out, n=32):
    """Write a grid of input/reconstruction pairs to ``out``; returns (path, mean squared error in [-1, 1] units)."""
    from gantk.evaluation.classification import read_inputs
    from gantk.images import save_images

    require_autoencoder(model, config)
    if len(config.image_shape or ()) != 3:
        raise ConfigError(f"gantk reconstruct needs an image run; {config.variant!r} trained on {config.dataset} points.")
    images, _ = read_inputs(input_path, config)
    images = images[:n]
    rebuilt = reconstruct_images(model, images)
    pairs = np.stack([images, rebuilt], axis=1).reshape(-1, *images.shape[1:])
    error = float(np.mean(((images.astype(np.float32) - rebuilt.astype(np.float32)) / HALF_RANGE) ** 2))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    columns = 2 * max(1, min(8, int(np.ceil(np.sqrt(len(images))))))
    return save_images(pairs, out, columns=columns), error


def negative_elbo(model, images, batch_size=256):
    """Mean negative ELBO (nats per example, the training objective with beta = 1) of uint8 ``images``."""
    from keras import ops

    total = 0.0
    for start in range(0, len(images), batch_size):
        x = from_uint8(images[start : start + batch_size])
        _, reconstruction, kl, _ = model.objective(ops.convert_to_tensor(x), training=False)
        total += (float(reconstruction) + float(kl)) * len(x)
    return total / len(images)
