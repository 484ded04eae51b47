"""DCGAN (Radford, Metz & Chintala 2015): convolutional networks, Adam 2e-4 with beta_1 0.5."""

from gantk.zoo.architectures import convolutional_discriminator, convolutional_generator
from gantk.zoo.recipe import Recipe


RECIPE = Recipe(
    name="dcgan",
    summary="Deep convolutional GAN: strided (transposed) convolutions, BatchNorm, tanh output.",
    paper="Radford, Metz & Chintala 2015, arXiv:1511.06434",
    build_generator=convolutional_generator,
    build_discriminator=convolutional_discriminator,
    defaults=dict(
        latent_dim=100, width=64, kernel_size=4, loss="non-saturating", optimizer="adam",
        d_learning_rate=2e-4, g_learning_rate=2e-4, beta_1=0.5, beta_2=0.999, batch_size=64,
    ),
)
