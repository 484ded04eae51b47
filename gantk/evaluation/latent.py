"""Walking and doing arithmetic in a generator's latent space (Radford, Metz & Chintala 2015, sections 6.1, 6.3).

Seeds mean what they mean in ``gantk sample``: seed ``s`` is ``latent_vectors(1, latent_dim, s)``.
Interpolation is linear or spherical (slerp, Shoemake 1985, as White 2016 recommends for
Gaussian latents, whose mass lies near a sphere); vector arithmetic averages the latents of
several seeds per concept, as the DCGAN paper averages three exemplars, and adds the terms.
Conditional generators can also be walked between classes by blending one-hot labels, and
text-to-image generators between sentences by blending their caption embeddings.
"""

import numpy as np

from gantk.errors import ConfigError, GantkError
from gantk.latents import latent_vectors
from gantk.pixels import to_uint8
from gantk.tokenizer import encode

METHODS = ("slerp", "lerp")


def parse_seeds(text, minimum=1, name="seeds"):
    """``"1,2,3"`` -> ``[1, 2, 3]``; at least ``minimum`` integers."""
    try:
        seeds = [int(part) for part in str(text).split(",") if part.strip()]
    except ValueError:
        seeds = []
    if len(seeds) < minimum or any(seed < 0 for seed in seeds):
        raise GantkError(
            f"Argument `{name}` must be at least {minimum} comma-separated non-negative integers. Received: {name}={text!r}"
        )
    return seeds


def seed_latents(seeds, latent_dim):
    """One latent per seed, ``[len(seeds), latent_dim]``, each ``latent_vectors(1, latent_dim, seed)[0]``."""
    return np.stack([latent_vectors(1, latent_dim, seed)[0] for seed in seeds])


def lerp(z0, z1, t):
    """``(1 - t) z0 + t z1`` for each ``t``: ``[len(t), d]``."""
    t = np.asarray(t, np.float64)[:, None]
    return ((1.0 - t) * np.asarray(z0, np.float64) + t * np.asarray(z1, np.float64)).astype(np.float32)


def slerp(z0, z1, t):
    """Spherical interpolation: along the great circle between the directions, norms blended linearly.

    Shoemake's formula ``sin((1 - t) w) / sin w z0 + sin(t w) / sin w z1`` (w the angle between
    the vectors); nearly parallel vectors fall back to ``lerp``.
    """
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    t = np.asarray(t, np.float64)[:, None]
    cosine = np.dot(z0, z1) / max(np.linalg.norm(z0) * np.linalg.norm(z1), 1e-12)
    omega = np.arccos(np.clip(cosine, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return lerp(z0, z1, t[:, 0])
    out = (np.sin((1.0 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)
    return out.astype(np.float32)


def interpolate(z0, z1, steps, method="slerp"):
    """``steps`` latents from ``z0`` to ``z1`` inclusive, ``[steps, d]``."""
    if method not in METHODS:
        raise GantkError(f"Argument `method` must be one of {', '.join(METHODS)}. Received: method={method!r}")
    if int(steps) < 2:
        raise GantkError(f"Argument `steps` must be at least 2. Received: steps={steps}")
    return (slerp if method == "slerp" else lerp)(z0, z1, np.linspace(0.0, 1.0, int(steps)))


def interpolation_path(latents, steps, method="slerp"):
    """Consecutive pairs of ``latents`` walked in ``steps``: ``[len(latents) - 1, steps, d]``."""
    return np.stack([interpolate(a, b, steps, method) for a, b in zip(latents[:-1], latents[1:])])


def label_blend(labels, steps, num_classes):
    """One-hot rows of consecutive ``labels`` blended linearly: ``[len(labels) - 1, steps, num_classes]``."""
    eye = np.eye(num_classes, dtype=np.float32)
    return np.stack([lerp(eye[a], eye[b], np.linspace(0.0, 1.0, int(steps))) for a, b in zip(labels[:-1], labels[1:])])


def concept_vector(seeds, latent_dim):
    """The mean latent of ``seeds``: one concept of the arithmetic."""
    return seed_latents(seeds, latent_dim).mean(axis=0)


def arithmetic(terms, latent_dim):
    """``terms`` = ``[(sign, seeds), ...]`` with sign +1 or -1 -> ``(result latent, concept latents)``."""
    if not terms:
        raise GantkError("Vector arithmetic needs at least one --plus or --minus term.")
    concepts = np.stack([concept_vector(seeds, latent_dim) for _, seeds in terms])
    signs = np.asarray([sign for sign, _ in terms], np.float32)[:, None]
    return (signs * concepts).sum(axis=0).astype(np.float32), concepts


def caption_embeddings(gan, config, captions):
    """phi(t) ``[len(captions), D]`` of a text-to-image run's captions (``gantk.tokenizer`` rules)."""
    if not getattr(gan, "captioned", False):
        raise ConfigError(f"The {config.variant} run is not text-to-image, so it takes no captions.")
    return np.asarray(gan.embed(encode(list(captions), config.vocabulary)), np.float32)


def render(gan, z, labels=None):
    """uint8 images of latents ``z`` (and integer labels for a conditional generator, caption
    embeddings, one or one per latent, for a text-to-image one), inference mode."""
    z = np.asarray(z, np.float32)
    if getattr(gan, "captioned", False):
        if labels is None:
            raise ConfigError("A text-to-image run draws images of a sentence: give a caption (--caption).")
        labels = np.broadcast_to(np.asarray(labels, np.float32), (len(z), np.shape(labels)[-1]))
    elif gan.conditional:
        labels = np.zeros(len(z), np.int32) if labels is None else np.broadcast_to(np.asarray(labels, np.int32), (len(z),))
    return to_uint8(np.asarray(gan.generate(z, labels, training=False)))


def render_soft_labels(gan, z, soft_labels):
    """uint8 images of a conditional generator fed blended one-hot labels instead of class indices."""
    import keras

    generator = gan.inference_generator
    try:
        one_hot = generator.get_layer("label_one_hot")
        z_input = generator.get_layer("z")
    except ValueError:
        raise ConfigError(
            "Class interpolation needs a generator that one-hot encodes its label (layer `label_one_hot`); "
            f"generator {generator.name!r} has none."
        ) from None
    soft = keras.Model([z_input.output, one_hot.output], generator.output)
    return to_uint8(np.asarray(soft([np.asarray(z, np.float32), np.asarray(soft_labels, np.float32)], training=False)))


def save_gif(frames, path, duration_ms=120, min_side=128):
    """An endlessly looping animated GIF of uint8 ``[N, H, W, C]`` frames, upscaled to ``min_side`` pixels."""
    from PIL import Image

    frames = np.asarray(frames)
    scale = max(1, -(-min_side // max(frames.shape[1:3])))
    pictures = []
    for frame in frames:
        picture = Image.fromarray(frame[..., 0] if frame.shape[-1] == 1 else frame)
        if scale > 1:
            picture = picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
        pictures.append(picture)
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=duration_ms, loop=0)
    return path


def _join(path):
    """``[segments, steps, ...]`` -> one path without the repeated joint between segments."""
    return np.concatenate([path[0], *[segment[1:] for segment in path[1:]]])


def require_images(config):
    if len(config.image_shape or ()) != 3:
        raise ConfigError(f"The latent tools draw images, but this {config.variant} run generates {config.dataset} points.")


def latent_walk(gan, config, seeds, steps=10, method="slerp", label=None):
    """``(strip, columns, frames)``: one row of ``steps`` images per consecutive seed pair; the GIF walks them all."""
    require_images(config)
    path = interpolation_path(seed_latents(seeds, config.latent_dim), steps, method)
    strip = render(gan, path.reshape(-1, path.shape[-1]), label)
    return strip, int(steps), _join(strip.reshape(len(path), int(steps), *strip.shape[1:]))


def class_walk(gan, config, seeds, labels, steps=10):
    """``(strip, columns, frames)`` of a conditional run: one row per seed walking its label through ``labels``."""
    require_images(config)
    if not gan.conditional:
        raise ConfigError(f"The {config.variant} run is not conditional, so it has no classes to interpolate (--labels).")
    blend = _join(label_blend(labels, steps, config.num_classes))
    z = seed_latents(seeds, config.latent_dim)
    rows = [render_soft_labels(gan, np.repeat(z[i : i + 1], len(blend), axis=0), blend) for i in range(len(seeds))]
    strip = np.concatenate(rows)
    return strip, len(blend), gif_frames(np.stack(rows))


def text_walk(gan, config, seeds, captions, steps=10):
    """``(strip, columns, frames)`` of a text-to-image run: one row per seed, its z fixed, phi(t) walked
    linearly from each caption's embedding to the next (Reed et al. 2016, section 5.4)."""
    require_images(config)
    if len(captions) < 2:
        raise ConfigError(f"Argument `captions` must name at least two sentences to walk between. Received: {len(captions)}")
    path = _join(interpolation_path(caption_embeddings(gan, config, captions), steps, "lerp"))
    z = seed_latents(seeds, config.latent_dim)
    rows = [render(gan, np.repeat(z[i : i + 1], len(path), axis=0), path) for i in range(len(seeds))]
    return np.concatenate(rows), len(path), gif_frames(np.stack(rows))


def gif_frames(rows):
    """GIF frames from ``[rows, columns, H, W, C]``: each frame is one column, rows stacked as a grid."""
    from gantk.images import grid

    rows = np.asarray(rows)
    if rows.shape[0] == 1:
        return rows[0]
    return np.stack([grid(rows[:, column], columns=1) for column in range(rows.shape[1])])


def arithmetic_grid(gan, config, terms, variations=7, label=None, noise_scale=0.25, seed=0):
    """``(images, columns)``: a row per term (its seeds' images, then its mean latent's), the result row last.

    The result row is the result latent followed by ``variations`` copies with uniform noise of
    ``noise_scale`` added (the paper's Figure 7 shows eight such samples).
    """
    require_images(config)
    result, concepts = arithmetic(terms, config.latent_dim)
    columns = max(max(len(seeds) for _, seeds in terms) + 1, variations + 1)
    blank = np.zeros((1, *render(gan, result[None], label).shape[1:]), np.uint8)
    rows = []
    for (_, seeds), concept in zip(terms, concepts):
        row = render(gan, np.concatenate([seed_latents(seeds, config.latent_dim), concept[None]]), label)
        rows.append(np.concatenate([row[:-1], *[blank] * (columns - len(row)), row[-1:]]))
    noise = np.random.default_rng(seed).uniform(-noise_scale, noise_scale, (variations, config.latent_dim))
    outcome = render(gan, np.concatenate([result[None], result[None] + noise.astype(np.float32)]), label)
    rows.append(np.concatenate([outcome, *[blank] * (columns - len(outcome))]))
    return np.concatenate(rows), columns
