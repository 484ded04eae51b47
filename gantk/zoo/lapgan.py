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
from gantk.zoo.recipe import Levels, Recipe

COARSEST_G_HIDDEN, COARSEST_D_HIDDEN = [1200, 1200], [600, 600]
PAPER = "Denton, Chintala, Szlam & Fergus 2015, arXiv:1506.05751"

UNSUPPORTED = (
    "minibatch_discrimination", "historical_averaging", "virtual_batch_norm", "latent_mixture",
    "instance_noise", "arch",
)


def coarsest_hidden(config, network, default):
    """``g_hidden`` / ``d_hidden``, else ``hidden``, else the paper's sizes."""
    return list(getattr(config, f"{network}_hidden") or config.hidden or default)


def build_levels(config):
    """Every level's networks for ``config`` (its image shape known from the data), coarsest first."""
    from gantk.nets.lapgan import coarsest_discriminator, coarsest_generator, latent_split, residual_discriminator, residual_generator
    from gantk.nets.pyramid import level_sizes

    refused = [name for name in UNSUPPORTED if getattr(config, name)]
    if refused:
        raise ConfigError(f"The lapgan variant does not take option `{refused[0]}`; it takes {', '.join(RECIPE.takes)}.")
    size, _, channels = config.image_shape
    sizes = level_sizes(config.coarsest_size, size)
    num_classes = config.num_classes if config.class_conditional else 0
    if config.class_conditional and not num_classes:
        raise ConfigError(f"Option `class_conditional` needs labelled data; dataset {config.dataset!r} has no labels.")
    latent_sizes = latent_split(config.latent_dim, len(sizes), config.level_noise_dim)
    nets = dict(width=config.width, kernel_size=config.kernel_size, batch_norm=config.batch_norm, num_classes=num_classes,
                sync_bn=config.sync_bn)
    generators = [coarsest_generator(sizes[0], channels, latent_sizes[0], coarsest_hidden(config, "g", COARSEST_G_HIDDEN), num_classes)]
    generators += [residual_generator(s, channels, n, **nets) for s, n in zip(sizes[1:], latent_sizes[1:])]
    discriminators = [
        coarsest_discriminator(
            sizes[0], channels, coarsest_hidden(config, "d", COARSEST_D_HIDDEN), 0.5 if config.dropout is None else config.dropout, num_classes
        )
    ]
    discriminators += [residual_discriminator(s, channels, **nets) for s in sizes[1:]]
    return Levels(generators, discriminators, latent_sizes, num_classes)


def generator(config):
    from gantk.nets.lapgan import pyramid_generator

    levels = build_levels(config)
    return pyramid_generator(levels.generators, levels.latent_sizes, levels.num_classes)


def discriminator(config):
    from gantk.nets.lapgan import pyramid_discriminator

    levels = build_levels(config)
    return pyramid_discriminator(levels.discriminators, [int(g.output.shape[1]) for g in levels.generators], config.image_shape[-1], levels.num_classes)


RECIPE = Recipe(
    name="lapgan",
    summary="Laplacian pyramid GAN: an 8x8 GAN, then one conditional GAN per doubling drawing the residual.",
    paper=PAPER,
    build_generator=generator,
    build_discriminator=discriminator,
    build_levels=build_levels,
    defaults=dict(
        latent_dim=100, width=64, kernel_size=5, loss="non-saturating", optimizer="adam",
        d_learning_rate=2e-4, g_learning_rate=2e-4, beta_1=0.5, beta_2=0.999, batch_size=64, dropout=0.5,
    ),
    default_dataset="digits",
    takes=("coarsest_size", "level_noise_dim", "class_conditional"),
)
