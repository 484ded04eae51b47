"""WGAN with gradient penalty (Gulrajani et al. 2017, arXiv:1704.00028, Algorithm 1).

The Wasserstein critic loss plus 10 (E[(||grad D(x^)|| - 1)^2]) at points interpolated between
real and generated samples with a uniform weight per sample, five critic updates per generator
update, Adam 1e-4 with betas 0.5 / 0.9, and no BatchNorm in the critic (the penalty is per
sample). DCGAN networks for images, MLPs for points (``--arch mlp`` for both). The penalty
weight is the ``gp_weight`` option.
"""

from gantk.zoo import architectures
from gantk.zoo.recipe import Recipe


def discriminator(config):
    return architectures.discriminator(config, batch_norm=False)


def regularizers(config):
    from gantk.regularizers import gradient_penalty

    return [gradient_penalty(config.gp_weight)]


RECIPE = Recipe(
    name="wgan-gp",
    summary="WGAN-GP: gradient penalty 10 on random interpolates, 5 critic steps, Adam 1e-4 (0.5, 0.9).",
    paper="Gulrajani et al. 2017, arXiv:1704.00028",
    build_generator=architectures.generator,
    build_discriminator=discriminator,
    default_arch="dcgan",
    regularizers=regularizers,
    defaults=dict(
        latent_dim=100, loss="wasserstein", optimizer="adam", d_learning_rate=1e-4, g_learning_rate=1e-4,
        beta_1=0.5, beta_2=0.9, d_steps=5, batch_size=64, hidden=[256, 256], dropout=0.0, gp_weight=10.0,
    ),
    data_kind="any",
    default_dataset="digits",
    takes=("gp_weight",),
)
