"""Check that an exported file makes the images the Keras generator makes.

A fixed set of latent vectors (and labels cycling through every class) goes through the
float32 Keras generator in inference mode and through each reloaded file; the largest
absolute difference of the [-1, 1] images must stay within ``TOLERANCE``, and the uint8
images within one step of ``gantk.pixels.to_uint8`` of the Keras images.
"""

import numpy as np

from gantk.export.errors import ParityError
from gantk.latents import grid_labels, latent_vectors
from gantk.pixels import to_uint8

TOLERANCE = 1e-4
PARITY_SAMPLES = 16
PARITY_SEED = 20140610
"""Seed of the parity latents (the date Goodfellow et al. posted the GAN paper)."""


def parity_inputs(latent_dim, num_classes, n=PARITY_SAMPLES, seed=PARITY_SEED):
    """``(z, labels)``: fixed latents and, for a conditional generator, labels cycling through the classes."""
    labels = grid_labels(n, num_classes) if num_classes else None
    return latent_vectors(n, latent_dim, seed), labels


def max_abs_difference(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def check_parity(reference, exported, tolerance=TOLERANCE):
    """Largest differences of each exported format from the Keras images, or a ``ParityError``.

    Args:
        reference: float32 [n, H, W, C] images of the Keras generator.
        exported: ``{format name: {"image": float images, "image_uint8": uint8 images}}``.
        tolerance: the largest absolute difference accepted on the [-1, 1] images.

    Returns:
        ``{format name: max abs difference}``.
    """
    expected_uint8 = to_uint8(reference)
    differences, failures = {}, []
    for name, outputs in exported.items():
        differences[name] = difference = max_abs_difference(reference, outputs["image"])
        steps = max_abs_difference(expected_uint8, outputs["image_uint8"])
        if outputs["image_uint8"].dtype != np.uint8:
            failures.append(f"{name} image_uint8 has dtype {outputs['image_uint8'].dtype}, not uint8")
        if not difference <= tolerance:
            failures.append(f"{name} differs from the Keras generator by {difference:.3g} (limit {tolerance:g})")
        elif steps > 1:
            failures.append(f"{name} image_uint8 differs from the Keras images by {steps:g} uint8 steps (limit 1)")
    if failures:
        figures = ", ".join(f"{name} {difference:.2e}" for name, difference in differences.items())
        raise ParityError(f"Export failed its parity check (max |difference| {figures}): " + "; ".join(failures) + ".")
    return differences
