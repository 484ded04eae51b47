"""LAPGAN (Denton, Chintala, Szlam & Fergus 2015, arXiv:1506.05751): a Laplacian pyramid of conditional GANs.

Levels run from ``coarsest_size`` (8x8, as in the paper's CIFAR-10 and STL models) up to the
image size, doubling each time. The coarsest is an ordinary GAN of densely connected nets
(G 1200-1200, D 600-600 with dropout 0.5); each finer level is a conditional GAN of
convolutional nets (``gantk.nets.lapgan``) drawing the residual h_k given the upsampled coarser
image. ``class_conditional`` feeds the label to every level, as the paper's CIFAR-10 model.
``arch="dcgan"`` makes the coarsest level a DCGAN (Radford et al. 2015) of ``width`` instead of
the densely connected nets; ``level_width``, ``kernel_size`` and ``level_batch_norm`` shape the
finer levels' nets. ``spectral_norm`` normalises every level's discriminator (Miyato et al. 2018)
and drops their BatchNorm, as for the other variants.
The paper trained with SGD (learning rate 0.02, momentum 0.5 rising to 0.8); this recipe uses
Adam 2e-4 with beta_1 0.5 like the other convolutional variants, with 64 feature maps per
convolution. ``latent_dim`` is the whole pyramid's latent vector, of which each finer level takes
``level_noise_dim`` dimensions and the coarsest the rest.
"""

from gantk.errors import ConfigError
from gantk.options import CONVOLUTIONAL_MIN_SIZE
from gantk.zoo.architectures import architecture, discriminator_batch_norm, discriminator_width
from gantk.zoo.recipe import Levels, Recipe

COARSEST_G_HIDDEN, COARSEST_D_HIDDEN = [1200, 1200], [600, 600]
DCGAN_KERNEL = 4
"""Kernel side of a DCGAN coarsest level, as the dcgan variant's; ``kernel_size`` is the finer levels'."""
PAPER = "Denton, Chintala, Szlam & Fergus 2015, arXiv:1506.05751"

LEVEL_SIZES = (4, 8, 16, 32, 64, 128)


def level_sizes(coarsest, image_size):
    """The pyramid's image sizes from ``coarsest`` up to ``image_size``, each twice the one before."""
    if coarsest not in LEVEL_SIZES or coarsest > image_size:
        raise ConfigError(
            f"Option `coarsest_size` must be a power of two from {LEVEL_SIZES[0]} to the image size {image_size}. "
            f"Received: coarsest_size={coarsest!r}"
        )
    sizes = [int(coarsest)]
    while sizes[-1] < image_size:
        sizes.append(sizes[-1] * 2)
    return sizes


def latent_split(latent_dim, levels, level_noise_dim=None):
    """Sizes of each level's slice of the pyramid's latent vector, coarsest first.

    Every finer level takes ``level_noise_dim`` (default: the finer levels share half of
    ``latent_dim``); the coarsest level takes the rest.
    """
    finer = levels - 1
    if level_noise_dim is None:
        level_noise_dim = max(1, latent_dim // (2 * finer)) if finer else 0
    coarsest = int(latent_dim) - finer * int(level_noise_dim)
    if int(level_noise_dim) < (1 if finer else 0) or coarsest < 1:
        raise ConfigError(
            f"Argument `latent_dim` must leave the coarsest of {levels} levels at least one dimension after "
            f"{finer} x level_noise_dim={level_noise_dim}. Received: latent_dim={latent_dim}"
        )
    return [coarsest] + [int(level_noise_dim)] * finer


def check(config):
    """Refuse settings no pyramid is built from; returns (level sizes, latent sizes)."""
    sizes = level_sizes(config.coarsest_size, config.image_size)
    if architecture(config) == "dcgan" and sizes[0] < CONVOLUTIONAL_MIN_SIZE:
        raise ConfigError(
            f"A DCGAN coarsest level (--arch dcgan) needs --coarsest-size {CONVOLUTIONAL_MIN_SIZE} or more. "
            f"Received: coarsest_size={sizes[0]}"
        )
    return sizes, latent_split(config.latent_dim, len(sizes), config.level_noise_dim)


def coarsest_hidden(config, network, default):
    """``g_hidden`` / ``d_hidden``, else ``hidden``, else the paper's sizes."""
    return list(getattr(config, f"{network}_hidden") or config.hidden or default)


def build_levels(config):
    """Every level's networks for ``config`` (its image shape known from the data), coarsest first."""
    from gantk.nets.lapgan import residual_discriminator, residual_generator

    sizes, latent_sizes = check(config)
    channels = config.image_shape[-1]
    num_classes = config.num_classes if config.class_conditional else 0
    if config.class_conditional and not num_classes:
        raise ConfigError(f"Option `class_conditional` needs labelled data; dataset {config.dataset!r} has no labels.")
    generators, discriminators = coarsest_level(config, sizes[0], channels, latent_sizes[0], num_classes)
    nets = dict(width=config.level_width or config.width, kernel_size=config.kernel_size, num_classes=num_classes, sync_bn=config.sync_bn)
    g_norm = config.batch_norm and config.level_batch_norm in ("both", "generator")
    d_norm = discriminator_batch_norm(config) and config.level_batch_norm == "both"
    generators += [residual_generator(s, channels, n, batch_norm=g_norm, **nets) for s, n in zip(sizes[1:], latent_sizes[1:])]
    discriminators += [residual_discriminator(s, channels, batch_norm=d_norm, **nets) for s in sizes[1:]]
    if config.info_code:
        from gantk.nets.info_code import with_code_head

        discriminators[0] = with_code_head(discriminators[0], config.info_code)
    if config.spectral_norm:
        from gantk.nets.spectral_norm import with_spectral_norm

        discriminators = [with_spectral_norm(d) for d in discriminators]
    return Levels(generators, discriminators, latent_sizes, num_classes)


def coarsest_level(config, size, channels, latent_dim, num_classes):
    """([G], [D]) of the coarsest level: the paper's densely connected nets, or with ``arch="dcgan"`` DCGAN's;
    its G reads InfoGAN's code from z when ``info_code`` is set."""
    from gantk.nets.dcgan import dcgan_discriminator, dcgan_generator
    from gantk.nets.lapgan import coarsest_discriminator, coarsest_generator
    from gantk.nets.latent_mixture import latent_prior

    prior = latent_prior(config)
    if architecture(config) == "mlp":
        dropout = 0.5 if config.dropout is None else config.dropout
        hidden = coarsest_hidden(config, "g", COARSEST_G_HIDDEN)
        return (
            [coarsest_generator(size, channels, latent_dim, hidden, num_classes, latent_prior=prior)],
            [coarsest_discriminator(size, channels, coarsest_hidden(config, "d", COARSEST_D_HIDDEN), dropout, num_classes)],
        )
    nets = dict(kernel_size=DCGAN_KERNEL, num_classes=num_classes, sync_bn=config.sync_bn)
    return (
        [dcgan_generator(
            latent_dim, (size, size, channels), width=config.width, batch_norm=config.batch_norm, name=f"generator_{size}",
            latent_prior=prior, **nets,
        )],
        [dcgan_discriminator(
            (size, size, channels), width=discriminator_width(config), batch_norm=discriminator_batch_norm(config),
            name=f"discriminator_{size}", **nets,
        )],
    )


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
    default_arch="mlp",
    build_levels=build_levels,
    check=check,
    defaults=dict(
        latent_dim=100, width=64, kernel_size=5, loss="non-saturating", optimizer="adam",
        d_learning_rate=2e-4, g_learning_rate=2e-4, beta_1=0.5, beta_2=0.999, batch_size=64, dropout=0.5,
    ),
    default_dataset="digits",
    takes=("coarsest_size", "level_noise_dim", "class_conditional", "level_width", "level_batch_norm"),
    refuses=(
        "minibatch_discrimination", "historical_averaging", "virtual_batch_norm", "latent_mixture",
        "instance_noise", "diff_augment", "balanced_consistency", "negative_augmentation",
    ),
    refusal="the pyramid's levels are built and trained without it",
)
