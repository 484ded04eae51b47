"""Wasserstein GAN (Arjovsky, Chintala & Bottou 2017, arXiv:1701.07875, Algorithm 1).

The critic maximises E[D(x)] - E[D(G(z))] with every weight clipped to [-0.01, 0.01] after
each update, five critic updates (each on a fresh real batch) per generator update, RMSProp
with learning rate 5e-5. DCGAN networks for images, MLPs for points (``--arch mlp`` for both).
"""

from gantk.zoo import architectures
from gantk.zoo.recipe import Recipe


RECIPE = Recipe(
    name="wgan",
    summary="Wasserstein GAN: weight-clipped critic (0.01), 5 critic steps, RMSProp 5e-5.",
    paper="Arjovsky, Chintala & Bottou 2017, arXiv:1701.07875",
    build_generator=architectures.generator,
    build_discriminator=architectures.discriminator,
    default_arch="dcgan",
    defaults=dict(
        latent_dim=100, loss="wasserstein", optimizer="rmsprop", d_learning_rate=5e-5, g_learning_rate=5e-5,
        d_steps=5, clip_discriminator=0.01, batch_size=64, hidden=[256, 256], dropout=0.0,
    ),
    data_kind="any",
    default_dataset="digits",
)
