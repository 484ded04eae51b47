"""Choosing between the MLP and DCGAN networks for a variant that trains on several data kinds.

The run's ``arch`` ("mlp" or "dcgan"), ``hidden`` (MLP layer sizes of both networks, or
``g_hidden`` / ``d_hidden`` for one) and ``dropout`` (MLP discriminator) choose them. Point data
always uses MLPs; images use the variant's ``default_arch`` unless ``arch`` says otherwise. Keras is
imported when a network is built, so the zoo loads without TensorFlow.
"""

from gantk.errors import ConfigError
from gantk.options import CONVOLUTIONAL_MIN_SIZE

ARCHITECTURES = ("mlp", "dcgan")
DEFAULT_HIDDEN = [256, 256]
MLP_OPTIONS = ("hidden", "g_hidden", "d_hidden", "dropout", "weight_norm", "g_batch_norm")
"""Options that only the MLP networks read."""
CONVOLUTIONAL_OPTIONS = ("width", "d_width", "kernel_size")
"""Options that only the convolutional networks read."""
IMAGE_OPTIONS = ("image_size", "channels", "diff_augment", "balanced_consistency", "negative_augmentation")
"""Options that only image data reads."""


def architecture(config):
    """"mlp" or "dcgan": the networks ``config``'s run builds."""
    from gantk import zoo

    arch = config.arch or ("mlp" if config.is_points else zoo.get(config.variant).default_arch)
    if arch not in ARCHITECTURES:
        raise ConfigError(f"Argument `arch` must be one of {', '.join(ARCHITECTURES)}. Received: arch={arch!r}")
    if arch != "mlp" and config.is_points:
        raise ConfigError(f"Point data needs the mlp architecture. Received: arch={arch!r}")
    return arch


def check_given_options(config, given):
    """Refuse a network option in ``given`` (the settings the user gave) that ``config``'s run would not
    read: ``arch`` for a variant with networks of its own, an MLP option that is on (``dropout`` 0 is
    no dropout anywhere) where the networks are convolutional, a convolutional option where they are
    all MLPs, an image option on point data; and images too small for the convolutional networks."""
    from gantk import zoo

    recipe = zoo.get(config.variant)
    if recipe.default_arch is None and "arch" in given:
        raise ConfigError(f"The {recipe.name} variant builds its own networks; it does not take option `arch`.")
    if config.is_points:
        for name in IMAGE_OPTIONS:
            if name in given:
                raise ConfigError(f"Option `{name}` is for images, and dataset {config.dataset!r} holds points; drop it.")
    unread = [name for name in MLP_OPTIONS if given.get(name)]
    if unread and not builds_mlp(config):
        remedy = "drop it or use --arch mlp" if recipe.default_arch else "drop it"
        raise ConfigError(f"Option `{unread[0]}` shapes the MLP networks, and this {recipe.name} run builds convolutional ones; {remedy}.")
    unread = [name for name in CONVOLUTIONAL_OPTIONS if name in given]
    if unread and not builds_convolutional(config):
        remedy = "drop it" if config.is_points else "drop it, set the MLP with --hidden, or use --arch dcgan"
        raise ConfigError(f"Option `{unread[0]}` shapes the convolutional networks, and this {recipe.name} run builds MLPs; {remedy}.")
    if recipe.build_levels is None and builds_convolutional(config) and config.image_size < CONVOLUTIONAL_MIN_SIZE:
        remedy = " or use --arch mlp" if recipe.default_arch else ""
        raise ConfigError(
            f"The {recipe.name} run's convolutional networks need images of {CONVOLUTIONAL_MIN_SIZE}x{CONVOLUTIONAL_MIN_SIZE} "
            f"or more, and its images are {config.image_size}x{config.image_size}; set --image-size {CONVOLUTIONAL_MIN_SIZE}{remedy}."
        )


def builds_mlp(config):
    """Whether one of ``config``'s networks is an MLP (reads ``MLP_OPTIONS``)."""
    from gantk import zoo

    return zoo.get(config.variant).default_arch is not None and architecture(config) == "mlp"


def builds_convolutional(config):
    """Whether one of ``config``'s networks is convolutional (reads ``CONVOLUTIONAL_OPTIONS``): a pyramid's
    finer levels always are."""
    from gantk import zoo

    return zoo.get(config.variant).build_levels is not None or not builds_mlp(config)


def hidden(config, network):
    return list(getattr(config, f"{network}_hidden") or config.hidden or DEFAULT_HIDDEN)


def weight_normalised(config, network):
    """Whether ``config.weight_norm`` ("discriminator", "generator" or "both") covers ``network``."""
    return config.weight_norm in (network, "both")


def generator(config, num_classes=0, prior=None):
    """``prior`` (a first layer applied to z) replaces the run's latent prior."""
    if architecture(config) == "mlp":
        from gantk.nets.latent_mixture import latent_prior
        from gantk.nets.mlp import mlp_generator

        return mlp_generator(
            config.latent_dim, config.image_shape, hidden(config, "g"), num_classes=num_classes,
            latent_prior=prior or latent_prior(config), batch_norm=config.g_batch_norm,
            weight_norm=weight_normalised(config, "generator"), sync_bn=config.sync_bn,
        )
    return convolutional_generator(config, num_classes, prior)


def convolutional_generator(config, num_classes=0, prior=None):
    """The DCGAN generator with the run's width, kernel, BatchNorm and latent prior settings."""
    from gantk.nets.dcgan import dcgan_generator
    from gantk.nets.latent_mixture import latent_prior

    return dcgan_generator(
        config.latent_dim, config.image_shape, width=config.width, kernel_size=config.kernel_size,
        batch_norm=config.batch_norm, num_classes=num_classes, sync_bn=config.sync_bn,
        latent_prior=prior or latent_prior(config),
    )


def discriminator_batch_norm(config):
    """BatchNorm in a convolutional discriminator: the run's setting, but never with spectral normalization
    (Miyato et al. 2018 normalise D's layers instead)."""
    return config.batch_norm and not config.spectral_norm


def discriminator(config, num_classes=0, batch_norm=None, features=None, outputs=1, name="discriminator"):
    """``batch_norm`` overrides ``config.batch_norm`` for the DCGAN critic (WGAN-GP has none); ``outputs``
    is the number of logits (class logits of a semi-supervised D, codes of an encoder)."""
    if architecture(config) == "mlp":
        from gantk.nets.mlp import mlp_discriminator

        return mlp_discriminator(
            config.image_shape, hidden(config, "d"), dropout=config.dropout or 0.0,
            num_classes=num_classes, features=features, outputs=outputs, noise=config.d_noise or 0.0,
            input_noise=config.d_input_noise, logit_noise=config.d_logit_noise or 0.0,
            weight_norm=weight_normalised(config, "discriminator"), name=name,
        )
    return convolutional_discriminator(config, num_classes, batch_norm, features, outputs, name)


def discriminator_width(config):
    """The convolutional discriminator's widest-resolution channels: ``d_width``, else ``width``."""
    return config.d_width or config.width


def convolutional_discriminator(config, num_classes=0, batch_norm=None, features=None, outputs=1, name="discriminator"):
    """The DCGAN discriminator with the run's settings; ``batch_norm`` overrides ``discriminator_batch_norm``."""
    from gantk.nets.dcgan import dcgan_discriminator

    return dcgan_discriminator(
        config.image_shape, width=discriminator_width(config), kernel_size=config.kernel_size,
        batch_norm=discriminator_batch_norm(config) if batch_norm is None else batch_norm,
        num_classes=num_classes, features=features, sync_bn=config.sync_bn, outputs=outputs,
        projection=config.projection, name=name,
    )
