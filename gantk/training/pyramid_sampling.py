"""Images from a pyramid generator (LAPGAN) level by level, and refinements of a real low-resolution image.

Denton et al. 2015 (arXiv:1506.05751), figures 3 and 4: the same latents drawn at every level of
the pyramid, and the upper levels of a trained pyramid run on a real image's low-pass version.
The latents are those of ``gantk.training.sampling``, so a pyramid's finest level is the image
``gantk sample`` and the exported generator give for the same seed.
"""

import numpy as np

from gantk.errors import ConfigError, DatasetError
from gantk.latents import latent_vectors
from gantk.pixels import from_uint8, to_uint8
from gantk.training.sampling import coded_latents, resolve_labels


def require_pyramid(gan, config, what):
    if not hasattr(gan, "levels"):
        raise ConfigError(f"{what} needs a pyramid (lapgan) run; this is a {config.variant} run.")


def _latents_and_labels(gan, config, n, seed, labels):
    if labels is not None and not gan.conditional:
        raise ConfigError(f"The {config.variant} generator is not conditional, so it takes no --label.")
    return latent_vectors(n, config.latent_dim, seed), resolve_labels(labels, n, config) if gan.conditional else None


def pyramid_uint8(gan, config, n, seed=0, labels=None, code=None):
    """uint8 [levels * n, H, W, C]: each level's image of the ``n`` latents (in InfoGAN category
    ``code`` when given), coarsest level first, enlarged to full size."""
    require_pyramid(gan, config, "--pyramid")
    z, labels = _latents_and_labels(gan, config, n, seed, labels)
    z = coded_latents(z, config, code)
    size = config.image_shape[0]
    enlarged = [np.repeat(np.repeat(image, size // image.shape[1], axis=1), size // image.shape[2], axis=2) for image in gan.levels(z, labels)]
    return to_uint8(np.concatenate(enlarged))


def refinable_sizes(gan):
    return list(gan.sizes[:-1])


def refine_images(gan, config, low, n=1, seed=0, labels=None):
    """float32 [n, H, W, C] in [-1, 1]: ``n`` draws of the levels above ``low`` ([h, h, C] in [-1, 1]) refining it."""
    require_pyramid(gan, config, "Refining")
    low = np.asarray(low, np.float32)
    sizes = refinable_sizes(gan)
    if not sizes:
        size = config.image_shape[0]
        raise ConfigError(f"This run's pyramid has one level ({size}x{size}, --coarsest-size {size}), so it has no level that refines an image.")
    if low.ndim != 3 or low.shape[0] != low.shape[1] or low.shape[0] not in sizes:
        raise ConfigError(
            f"Argument `low` must be a square image of a level below the run's {config.image_shape[0]}x{config.image_shape[0]}: "
            f"{' or '.join(f'{s}x{s}' for s in sizes)}. Received: an image of shape {low.shape[:2]}"
        )
    if low.shape[-1] != config.image_shape[-1]:
        raise ConfigError(f"Argument `low` must have {config.image_shape[-1]} channels. Received: {low.shape[-1]}")
    z, labels = _latents_and_labels(gan, config, n, seed, labels)
    start = np.broadcast_to(low, (n, *low.shape)).copy()
    return gan.levels(z, labels, start=start)[-1]


def read_image(path, channels):
    """A PNG (or any Pillow image) as float32 [H, W, channels] in [-1, 1]."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("L" if channels == 1 else "RGB"), np.float32)
    except (OSError, UnidentifiedImageError) as error:
        raise DatasetError(f"Argument `low` must be an image file Pillow reads. Received: {path!r} ({error})") from None
    return from_uint8(pixels.reshape(*pixels.shape[:2], channels))
