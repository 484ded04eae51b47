"""DCGAN (Radford, Metz & Chintala 2015): convolutional networks, Adam 2e-4 with beta_1 0.5."""

from gantk.nets.dcgan import dcgan_discriminator, dcgan_generator
from gantk.nets.latent_mixture import latent_prior
from gantk.zoo.recipe import Recipe, register


def generator(config):
    return dcgan_generator(
        config.latent_dim, config.image_shape, width=config.width, kernel_size=config.kernel_size,
        batch_norm=config.batch_norm, sync_bn=config.options.get("sync_bn", False), latent_prior=latent_prior(config),
    )


def discriminator(config):
    return dcgan_discriminator(
        config.image_shape, width=config.width, kernel_size=config.kernel_size,
        batch_norm=config.batch_norm, sync_bn=config.options.get("sync_bn", False),
    )


register(
    Recipe(
        name="dcgan",
        summary="Deep convolutional GAN: strided (transposed) convolutions, BatchNorm, tanh output.",
        paper="Radford, Metz & Chintala 2015, arXiv:1511.06434",
        build_generator=generator,
        build_discriminator=discriminator,
        defaults=dict(
            latent_dim=100, width=64, kernel_size=4, loss="non-saturating", optimizer="adam",
            d_learning_rate=2e-4, g_learning_rate=2e-4, beta_1=0.5, beta_2=0.999, batch_size=64,
        ),
    )
)
