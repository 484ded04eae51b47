"""Conditional GAN (Mirza & Osindero 2014, arXiv:1411.1784): G(z | y) and D(x | y).

The one-hot label is concatenated to the input of both MLPs (the paper's MNIST model, with
dropout in D), or, with ``--arch dcgan``, to z and as a learned label map to the image of the
convolutional networks; ``--projection`` gives the convolutional D the label by projection
instead (Miyato & Koyama 2018). Needs labelled data; samples one row per class by default.
"""

from gantk.errors import ConfigError
from gantk.zoo import architectures
from gantk.zoo.recipe import Recipe


def generator(config):
    return architectures.generator(config, num_classes=config.num_classes)


def check(config):
    """Refuses settings a conditional run cannot build from, before any data loads (``Recipe.check``)."""
    if config.projection and architectures.architecture(config) == "mlp":
        raise ConfigError("Option `projection` projects the label onto a convolutional D's feature map; set --arch dcgan too.")


def discriminator(config):
    return architectures.discriminator(config, num_classes=config.num_classes)


RECIPE = Recipe(
    name="cgan",
    summary="Conditional GAN: the one-hot label fed to both networks (MLP or --arch dcgan).",
    paper="Mirza & Osindero 2014, arXiv:1411.1784",
    build_generator=generator,
    build_discriminator=discriminator,
    default_arch="mlp",
    defaults=dict(
        latent_dim=100, loss="non-saturating", optimizer="adam", d_learning_rate=2e-4, g_learning_rate=2e-4,
        beta_1=0.5, beta_2=0.999, batch_size=64, hidden=[256, 256], dropout=0.5,
    ),
    conditional=True,
    data_kind="any",
    default_dataset="digits",
    check=check,
    takes=("projection",),
)
