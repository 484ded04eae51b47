"""Choosing between the MLP and DCGAN networks for a variant that trains on several data kinds.

``config.options`` may hold ``arch`` ("mlp" or "dcgan"), ``hidden`` (MLP layer sizes of both
networks, or ``g_hidden`` / ``d_hidden`` for one) and ``dropout`` (MLP discriminator). Point
data always uses MLPs; images use the variant's default unless ``arch`` says otherwise.
"""

from gantk.errors import ConfigError
from gantk.nets.latent_mixture import latent_prior
from gantk.nets.dcgan import dcgan_discriminator, dcgan_generator
from gantk.nets.mlp import mlp_discriminator, mlp_generator

ARCHITECTURES = ("mlp", "dcgan")
DEFAULT_HIDDEN = [256, 256]


def is_points(config):
    return len(config.image_shape) == 1


def architecture(config, default="dcgan"):
    arch = config.options.get("arch") or ("mlp" if is_points(config) else default)
    if arch not in ARCHITECTURES:
        raise ConfigError(f"Argument `arch` must be one of {', '.join(ARCHITECTURES)}. Received: arch={arch!r}")
    if arch != "mlp" and is_points(config):
        raise ConfigError(f"Point data needs the mlp architecture. Received: arch={arch!r}")
    return arch


def hidden(config, network):
    options = config.options
    return list(options.get(f"{network}_hidden") or options.get("hidden") or DEFAULT_HIDDEN)


def generator(config, default="dcgan", num_classes=0, prior=None):
    """``prior`` (a first layer applied to z) replaces the latent prior of ``config.options``."""
    if architecture(config, default) == "mlp":
        return mlp_generator(
            config.latent_dim, config.image_shape, hidden(config, "g"), num_classes=num_classes,
            latent_prior=prior or latent_prior(config),
        )
    return convolutional_generator(config, num_classes, prior)


def convolutional_generator(config, num_classes=0, prior=None):
    """The DCGAN generator with the run's width, kernel, BatchNorm and latent prior settings."""
    return dcgan_generator(
        config.latent_dim, config.image_shape, width=config.width, kernel_size=config.kernel_size,
        batch_norm=config.batch_norm, num_classes=num_classes, sync_bn=config.options.get("sync_bn", False),
        latent_prior=prior or latent_prior(config),
    )


def discriminator(config, default="dcgan", num_classes=0, batch_norm=None, features=None, outputs=1, name="discriminator"):
    """``batch_norm`` overrides ``config.batch_norm`` for the DCGAN critic (WGAN-GP has none); ``outputs``
    is the number of logits (class logits of a semi-supervised D, codes of an encoder)."""
    if architecture(config, default) == "mlp":
        return mlp_discriminator(
            config.image_shape, hidden(config, "d"), dropout=config.options.get("dropout", 0.0),
            num_classes=num_classes, features=features, outputs=outputs, noise=config.options.get("d_noise", 0.0), input_noise=config.options.get("d_input_noise"), name=name,
        )
    return convolutional_discriminator(config, num_classes, batch_norm, features, outputs, name)


def convolutional_discriminator(config, num_classes=0, batch_norm=None, features=None, outputs=1, name="discriminator"):
    """The DCGAN discriminator with the run's settings; ``batch_norm`` overrides ``config.batch_norm``."""
    return dcgan_discriminator(
        config.image_shape, width=config.width, kernel_size=config.kernel_size,
        batch_norm=config.batch_norm if batch_norm is None else batch_norm,
        num_classes=num_classes, features=features, sync_bn=config.options.get("sync_bn", False), outputs=outputs,
        name=name,
    )
