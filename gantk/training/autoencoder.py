"""The auto-encoder and the variational auto-encoder (Kingma & Welling 2014, arXiv:1312.6114) as run models.

The encoder is the run's ``discriminator`` network (the same body, with ``latent_dim`` outputs, or
``2 * latent_dim`` for the VAE's mean and log-variance) and the decoder is the run's generator,
so checkpoints, ``sample``, ``evaluate``, ``interpolate``, export and the runtime treat the run
like a GAN's. One update trains both on

    loss = E_x[ 1/(2 s^2) ||x - decoder(c)||^2 + D log(s sqrt(2 pi)) ] + beta * E_x[ KL(q(c|x) || N(0, I)) ]

with c = mean + exp(log_var / 2) * e, e ~ N(0, I) (the reparameterisation trick, section 2.4) for
the VAE and c = encoder(x), beta = 0 for the auto-encoder. The first term is the negative
log-likelihood of x under a Gaussian decoder of fixed standard deviation s (``decoder_std``, in
model units: [-1, 1] pixels), so for beta = 1 the loss is the negative ELBO in nats. beta != 1 is
the beta-VAE of Higgins et al. 2017. The encoder's and the decoder's variables step with the two
optimizers of the run (same settings), which for Adam equals one optimizer over both; each
optimizer scales the loss itself, so float16 loss scaling stays per optimizer.

The VAE samples its prior N(0, I); the auto-encoder's generator starts with ``GaussianCodes``,
fitted to the training codes as they are produced, and the decoder it trains is the generator
after that layer.
"""

import math

import keras
import tensorflow as tf
from keras import ops

from gantk.nets.gaussian_codes import GaussianCodes
from gantk.training.gan import GAN
from gantk.training.workers import reducible_logs


def decoder_of(generator):
    """The generator after its ``GaussianCodes`` layer (sharing its weights), or the generator itself."""
    priors = [layer for layer in generator.layers if isinstance(layer, GaussianCodes)]
    if not priors:
        return generator
    return keras.Model(priors[0].output, generator.output, name="decoder")


def gaussian_kl(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) per example, summed over the code (Kingma & Welling 2014, appendix B)."""
    return 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)


def gaussian_nll(x, reconstruction, std):
    """-log N(x; reconstruction, std^2 I) per example."""
    x = ops.reshape(ops.cast(x, "float32"), (ops.shape(x)[0], -1))
    reconstruction = ops.reshape(ops.cast(reconstruction, "float32"), (ops.shape(x)[0], -1))
    dims = ops.cast(ops.shape(x)[1], "float32")
    squares = ops.sum(ops.square(x - reconstruction), axis=-1)
    return 0.5 * squares / std**2 + dims * math.log(std * math.sqrt(2.0 * math.pi))


class AutoEncoder(GAN):
    """Encoder (``discriminator``) and decoder (``generator``) trained on reconstruction (+ beta * KL)."""

    def __init__(self, *args, variational=True, beta=1.0, decoder_std=0.1, **kwargs):
        super().__init__(*args, **kwargs)
        self.variational = bool(variational)
        self.beta = float(beta) if self.variational else 0.0
        self.decoder_std = float(decoder_std)
        self.decoder = decoder_of(self.generator)
        self.codes = next((layer for layer in self.generator.layers if isinstance(layer, GaussianCodes)), None)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def encode(self, images, training=False):
        """(code mean, log-variance) of ``images``; the log-variance is None for the plain auto-encoder."""
        stats = self.discriminator(images, training=training)
        if not self.variational:
            return stats, None
        mean, log_var = ops.split(stats, 2, axis=-1)
        return mean, log_var

    def reconstruct(self, images, training=False):
        """The decoder applied to the code means of ``images``."""
        mean, _ = self.encode(images, training=training)
        return self.decoder(mean, training=training)

    def objective(self, images, training=False):
        """(negative ELBO or reconstruction loss, reconstruction term, KL term), each the mean over ``images``."""
        mean, log_var = self.encode(images, training=training)
        if self.variational:
            noise = self.draw_latents(ops.shape(images)[0])
            codes = mean + ops.exp(0.5 * log_var) * noise
            kl = ops.mean(gaussian_kl(mean, log_var))
        else:
            codes, kl = mean, ops.convert_to_tensor(0.0)
        reconstruction = ops.mean(gaussian_nll(images, self.decoder(codes, training=training), self.decoder_std))
        return reconstruction + self.beta * kl, reconstruction, kl, mean

    def train_step(self, data):
        images = data["image"]
        encoder, decoder = self.discriminator.trainable_variables, self.decoder.trainable_variables
        with tf.GradientTape(persistent=True) as tape:
            loss, reconstruction, kl, codes = self.objective(images, training=True)
            share = self.replica_share(loss)
            encoder_loss, decoder_loss = self.d_optimizer.scale_loss(share), self.g_optimizer.scale_loss(share)
        self.d_optimizer.apply(tape.gradient(encoder_loss, encoder), encoder)
        self.g_optimizer.apply(tape.gradient(decoder_loss, decoder), decoder)
        del tape
        if self.codes is not None:
            self.codes.update(codes)
        if self.average is not None:
            self.average.update(self.generator)
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return reducible_logs({metric.name: metric.result() for metric in self.metrics})
