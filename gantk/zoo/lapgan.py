"""LAPGAN (Denton, Chintala, Szlam & Fergus 2015, arXiv:1506.05751): a Laplacian pyramid of conditional GANs.

Levels run from ``coarsest_size`` (8x8, as in the paper's CIFAR-10 and STL models) up to the
image size, doubling each time. The coarsest is an ordinary GAN of densely connected nets
(G 1200-1200, D 600-600 with dropout 0.5); each finer level is a conditional GAN of
convolutional nets (``gantk.nets.lapgan``) drawing the residual h_k given the upsampled coarser
image. ``class_conditional`` feeds the label to every level, as the paper's CIFAR-10 model.
The paper trained with SGD (learning rate 0.02, momentum 0.5 rising to 0.8); this recipe uses
Adam 2e-4 with beta_1 0.5 like the other convolutional variants, with 64 feature maps per
convolution. ``latent_dim`` is the whole pyramid's latent vector, of which each finer level takes
``level_noise_dim`` dimensions and the coarsest the rest.
"""

from gantk.errors import ConfigError
from gantk.nets.lapgan import (
    coarsest_discriminator, coarsest_generator, latent_split, pyramid_discriminator, pyramid_generator,
    residual_discriminator, residual_generator,
)
from gantk.nets.pyramid import SIZES, level_sizes
from gantk.zoo.recipe import Recipe, Levels, register

COARSEST_G_HIDDEN, COARSEST_D_HIDDEN = [1200, 1200], [600, 600]
PAPER = "Denton, Chintala, Szlam & Fergus 2015, arXiv:1506.05751"

OPTION_SPECS = {
    "coarsest_size": dict(
        type=int, default=8, choices=SIZES[:-1], help="Side of the coarsest pyramid level, an ordinary GAN.",
        paper=f"{PAPER}, section 4: 8x8 for CIFAR-10 and STL",
    ),
    "level_noise_dim": dict(
        type=int, default=None, help="Latent dimensions of each finer level (default: they share half of latent_dim).",
        paper=f"{PAPER}, section 4: z_k enters G_k as a 4th colour plane",
    ),
    "class_conditional": dict(
        type=bool, default=False, help="Feed the class label to every level's G and D.",
        paper=f"{PAPER}, section 4: the class-conditional CIFAR-10 model",
    ),
}

UNSUPPORTED = (
    "minibatch_discrimination", "historical_averaging", "virtual_batch_norm", "r1_penalty", "latent_mixture",
    "instance_noise", "arch",
)


def option(config, name):
    spec = OPTION_SPECS[name]
    value = config.options.get(name, spec["default"])
    if value is None:
        return None
    if not isinstance(value, spec["type"]) or isinstance(value, bool) != (spec["type"] is bool):
        raise ConfigError(f"Option `{name}` must be a {spec['type'].__name__}. Received: {name}={value!r}")
    if "choices" in spec and value not in spec["choices"]:
        raise ConfigError(f"Option `{name}` must be one of {list(spec['choices'])}. Received: {name}={value!r}")
    return value


def coarsest_hidden(config, network, default):
    """``g_hidden`` / ``d_hidden``, else ``hidden``, else the paper's sizes."""
    return list(config.options.get(f"{network}_hidden") or config.options.get("hidden") or default)


def build_levels(config):
    """Every level's networks for ``config`` (its image shape known from the data), coarsest first."""
    refused = [name for name in UNSUPPORTED if config.options.get(name)]
    if refused:
        raise ConfigError(f"The lapgan variant does not take option `{refused[0]}`; it takes {', '.join(OPTION_SPECS)}.")
    size, _, channels = config.image_shape
    sizes = level_sizes(option(config, "coarsest_size"), size)
    num_classes = config.num_classes if option(config, "class_conditional") else 0
    if option(config, "class_conditional") and not num_classes:
        raise ConfigError(f"Option `class_conditional` needs labelled data; dataset {config.dataset!r} has no labels.")
    latent_sizes = latent_split(config.latent_dim, len(sizes), option(config, "level_noise_dim"))
    nets = dict(width=config.width, kernel_size=config.kernel_size, batch_norm=config.batch_norm, num_classes=num_classes,
                sync_bn=config.options.get("sync_bn", False))
    generators = [coarsest_generator(sizes[0], channels, latent_sizes[0], coarsest_hidden(config, "g", COARSEST_G_HIDDEN), num_classes)]
    generators += [residual_generator(s, channels, n, **nets) for s, n in zip(sizes[1:], latent_sizes[1:])]
    discriminators = [
        coarsest_discriminator(
            sizes[0], channels, coarsest_hidden(config, "d", COARSEST_D_HIDDEN), config.options.get("dropout", 0.5), num_classes
        )
    ]
    discriminators += [residual_discriminator(s, channels, **nets) for s in sizes[1:]]
    return Levels(generators, discriminators, latent_sizes, num_classes)


def generator(config):
    levels = build_levels(config)
    return pyramid_generator(levels.generators, levels.latent_sizes, levels.num_classes)


def discriminator(config):
    levels = build_levels(config)
    return pyramid_discriminator(levels.discriminators, [int(g.output.shape[1]) for g in levels.generators], config.image_shape[-1], levels.num_classes)


register(
    Recipe(
        name="lapgan",
        summary="Laplacian pyramid GAN: an 8x8 GAN, then one conditional GAN per doubling drawing the residual.",
        paper=PAPER,
        build_generator=generator,
        build_discriminator=discriminator,
        build_levels=build_levels,
        defaults=dict(
            latent_dim=100, width=64, kernel_size=5, loss="non-saturating", optimizer="adam",
            d_learning_rate=2e-4, g_learning_rate=2e-4, beta_1=0.5, beta_2=0.999, batch_size=64,
            options=dict(dropout=0.5),
        ),
        default_dataset="digits",
    )
)
