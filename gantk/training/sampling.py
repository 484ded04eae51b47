"""Images from a run's generator for fixed seeds: the same latents as ``gantk.export.runtime``."""

import numpy as np

from gantk.errors import ConfigError
from gantk.latents import CHUNK, category_latents, check_integer, grid_labels, latent_chunks
from gantk.data.captions import preview_grid_captions
from gantk.pixels import to_uint8
from gantk.tokenizer import encode


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
        bad = sorted({int(i) for i in indices if not 0 <= i < num_classes})
        raise ConfigError(
            f"Argument `label` must be in [0, {num_classes - 1}]. Received: label={bad[0] if len(bad) == 1 else bad}"
        )
    return indices


def caption_tokens(captions, n, config):
    """Word ids ``[n, MAX_LENGTH]`` (``gantk.tokenizer``): one caption for all ``n`` samples, one per
    sample, or, when ``None``, the preview captions (``gantk.data.captions.preview_grid_captions``), one row each."""
    if captions is None:
        captions = preview_grid_captions(n)
    captions = [captions] if isinstance(captions, str) else list(captions)
    captions = captions * n if len(captions) == 1 else captions
    if len(captions) != n:
        raise ConfigError(f"Argument `caption` must give one caption or {n} captions. Received: {len(captions)} captions")
    return encode(captions, config.vocabulary)


def check_code(code, config):
    """``code`` as a category of the run's InfoGAN code (``info_code``), or None."""
    if code is None:
        return None
    if not config.info_code:
        raise ConfigError(f"The {config.variant} run has no InfoGAN code (--info-code), so it takes no --code.")
    code = check_integer(code, "code", 0)
    if code >= config.info_code:
        raise ConfigError(f"Argument `code` must be in [0, {config.info_code - 1}]. Received: code={code}")
    return code


def coded_latents(z, config, code):
    """``z`` moved into category ``code`` of the run's InfoGAN code (checked by ``check_code``); ``z``
    itself when ``code`` is None."""
    code = check_code(code, config)
    return z if code is None else category_latents(z, config.info_code, code)


def generated_chunks(gan, config, n, seed=0, labels=None, batch_size=CHUNK, captions=None, code=None):
    """float32 images in [-1, 1] for latents ``latent_vectors(n, latent_dim, seed)``, ``batch_size`` at a time.

    A text-to-image run draws them for ``captions`` (see ``caption_tokens``), others for ``labels``;
    a run with an InfoGAN code draws them all in category ``code`` when given (the rest of z unchanged).
    """
    captioned = getattr(gan, "captioned", False)
    if labels is not None and not gan.conditional:
        takes = "captions (--caption)" if captioned else "no --label"
        raise ConfigError(f"The {config.variant} generator is not class-conditional, so it takes {takes}.")
    if captions is not None and not captioned:
        raise ConfigError(f"The {config.variant} generator is not text-conditional, so it takes no --caption.")
    n, seed = check_integer(n, "n", 1), check_integer(seed, "seed", 0)
    labels = resolve_labels(labels, n, config) if gan.conditional else None
    tokens = caption_tokens(captions, n, config) if captioned else None
    start = 0
    for z in latent_chunks(n, config.latent_dim, seed, batch_size):
        z = coded_latents(z, config, code)
        part = slice(start, start + len(z))
        condition = gan.embed(tokens[part]) if captioned else labels[part] if labels is not None else None
        yield np.asarray(gan.generate(z, condition, training=False))
        start += len(z)


def generate_images(gan, config, n, seed=0, labels=None, batch_size=CHUNK, captions=None, code=None):
    """float32 images in [-1, 1] for latents ``latent_vectors(n, latent_dim, seed)``, in inference mode."""
    return np.concatenate(list(generated_chunks(gan, config, n, seed, labels, batch_size, captions, code)))


def sample_uint8(gan, config, n, seed=0, labels=None, captions=None, code=None):
    """``to_uint8(generate_images(...))``, converted chunk by chunk so only the uint8 images are held."""
    chunks = generated_chunks(gan, config, n, seed, labels, captions=captions, code=code)
    return np.concatenate([to_uint8(chunk) for chunk in chunks])
