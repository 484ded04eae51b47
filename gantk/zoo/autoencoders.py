"""The auto-encoder and the VAE (Kingma & Welling 2014, arXiv:1312.6114), the lecture's baselines for the GAN.

Encoder = the discriminator body of the run's architecture with ``latent_dim`` outputs (the VAE:
``2 * latent_dim``, mean and log-variance); decoder = the same generator networks as ``dcgan``
(MLPs for 2-D points). The update is ``gantk.training.autoencoder.AutoEncoder``. The VAE samples its
prior N(0, I); the auto-encoder's generator starts with ``GaussianCodes``, a Gaussian fitted to its
training codes and kept in the generator, so sampling, export and the runtime need no change.
On digits both train on the 1,347 images of the fixed split, so ``gantk evaluate`` reports the
negative ELBO of the 450 held-out images.
"""

from gantk.data.splits import training_split
from gantk.nets.gaussian_codes import GaussianCodes
from gantk.zoo import architectures
from gantk.zoo.recipe import Recipe, register

PAPER = "Kingma & Welling 2014, arXiv:1312.6114"

OPTION_SPECS = {
    "beta": dict(
        type=float, default=1.0, minimum=0.0, flag="--beta",
        help="vae: weight of the KL term; 1 gives the negative ELBO, other values the beta-VAE.",
        paper="Kingma & Welling 2014 (beta = 1); Higgins et al. 2017 (beta-VAE)",
    ),
    "decoder_std": dict(
        type=float, default=0.1, minimum=0.0, exclusive_minimum=True, flag=None,
        help="Standard deviation of the Gaussian decoder, in model units ([-1, 1] pixels).", paper=PAPER + ", appendix C.2",
    ),
    "code_momentum": dict(
        type=float, default=0.99, minimum=0.0, maximum=1.0, flag=None,
        help="ae: momentum of the moving moments of the training codes that the sampling Gaussian is fitted to.",
        paper="(gantk: sampling a plain auto-encoder)",
    ),
}

DEFAULTS = dict(
    latent_dim=100, width=64, kernel_size=4, optimizer="adam", d_learning_rate=1e-3, g_learning_rate=1e-3,
    beta_1=0.9, beta_2=0.999, batch_size=64, options=dict(dropout=0.0),
)


def option(config, name):
    return config.options.get(name, OPTION_SPECS[name]["default"])


def encoder(config, variational):
    return architectures.discriminator(config, outputs=config.latent_dim * (2 if variational else 1), name="encoder")


def train_split(config, data):
    """For digits the 1,347 training images of the fixed split, so the held-out ELBO is measured on unseen images."""
    return training_split(config.dataset, data, config.split)


def register_family(name, variational, summary):
    def build_generator(config):
        prior = None if variational else GaussianCodes(option(config, "code_momentum"), name="gaussian_codes")
        return architectures.generator(config, prior=prior)

    def model_options(config):
        return dict(variational=variational, beta=option(config, "beta"), decoder_std=option(config, "decoder_std"))

    register(
        Recipe(
            name=name, summary=summary, paper=PAPER, build_generator=build_generator,
            build_discriminator=lambda config: encoder(config, variational), defaults=DEFAULTS, data_kind="any",
            model="autoencoder", model_options=model_options, prepare_data=train_split,
        )
    )


register_family("vae", True, "Variational auto-encoder: DCGAN networks as encoder and decoder, reconstruction + beta * KL.")
register_family("ae", False, "Auto-encoder: DCGAN networks as encoder and decoder; samples a Gaussian fitted to its codes.")
