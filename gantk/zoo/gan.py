"""The original GAN (Goodfellow et al. 2014, arXiv:1406.2661): MLP generator and discriminator.

Dropout in the discriminator, ``--loss minimax`` for the exact value function
log(1 - D(G(z))) or the non-saturating -log D(G(z)) (the default, section 3), and ``--d-steps k``
discriminator updates per generator update (Algorithm 1). Adam replaces the paper's SGD with
momentum. Trains on 2-D points (linear output) and on flattened images (tanh output).
"""

from gantk.zoo import architectures
from gantk.zoo.recipe import Recipe


RECIPE = Recipe(
    name="gan",
    summary="Original GAN: MLP generator and discriminator (dropout in D), minimax or non-saturating loss.",
    paper="Goodfellow et al. 2014, arXiv:1406.2661",
    build_generator=architectures.generator,
    build_discriminator=architectures.discriminator,
    default_arch="mlp",
    defaults=dict(
        latent_dim=100, loss="non-saturating", optimizer="adam", d_learning_rate=2e-4, g_learning_rate=2e-4,
        beta_1=0.5, beta_2=0.999, batch_size=64, hidden=[256, 256], dropout=0.5,
    ),
    data_kind="any",
    default_dataset="ring8",
)
