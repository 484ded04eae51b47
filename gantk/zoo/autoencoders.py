"""The auto-encoder and the VAE (Kingma & Welling 2014, arXiv:1312.6114), the lecture's baselines for the GAN.

Encoder = the discriminator body of the run's architecture with ``latent_dim`` outputs (the VAE:
``2 * latent_dim``, mean and log-variance); decoder = the same generator networks as ``dcgan``
(MLPs for 2-D points). The update is ``gantk.training.autoencoder.AutoEncoder``. The VAE samples its
prior N(0, I); the auto-encoder's generator starts with ``GaussianCodes``, a Gaussian fitted to its
training codes and kept in the generator, so sampling, export and the runtime need no change.
On digits both train on the 1,347 images of the fixed split, so ``gantk evaluate`` reports the
negative ELBO of the 450 held-out images.
"""

from gantk.options import DISCRIMINATOR_OPTIONS
from gantk.zoo import architectures
from gantk.zoo.recipe import Recipe

PAPER = "Kingma & Welling 2014, arXiv:1312.6114"

DEFAULTS = dict(
    latent_dim=100, width=64, kernel_size=4, optimizer="adam", d_learning_rate=1e-3, g_learning_rate=1e-3,
    beta_1=0.9, beta_2=0.999, batch_size=64, dropout=0.0, split="train",
)


def encoder(config, variational):
    return architectures.discriminator(config, outputs=config.latent_dim * (2 if variational else 1), name="encoder")


def family(name, variational, summary):
    """The recipe of the VAE (``variational``) or of the plain auto-encoder."""

    def build_generator(config):
        from gantk.nets.gaussian_codes import GaussianCodes

        prior = None if variational else GaussianCodes(config.code_momentum, name="gaussian_codes")
        return architectures.generator(config, prior=prior)

    def model_options(config):
        return dict(variational=variational, beta=config.beta, decoder_std=config.decoder_std)

    return Recipe(
        name=name, summary=summary, paper=PAPER, build_generator=build_generator,
        build_discriminator=lambda config: encoder(config, variational), defaults=DEFAULTS, data_kind="any",
        model="autoencoder", model_options=model_options, default_arch="dcgan",
        takes=("beta", "decoder_std") if variational else ("decoder_std", "code_momentum"),
        refuses=DISCRIMINATOR_OPTIONS,
        refusal="it needs a discriminator, and an auto-encoder trains an encoder and a decoder without one",
    )


VAE = family("vae", True, "Variational auto-encoder: DCGAN networks as encoder and decoder, reconstruction + beta * KL.")
AE = family("ae", False, "Auto-encoder: DCGAN networks as encoder and decoder; samples a Gaussian fitted to its codes.")
