"""InfoGAN's categorical code (Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel 2016, arXiv:1606.03657).

The generator takes a categorical code c ~ Cat(K) beside its noise, and an auxiliary network Q,
which shares every layer of the discriminator but its output, learns to read c back from G(z, c).
Both minimise the cross-entropy of Q's reading, which is -L_I(G, Q), a lower bound on the mutual
information I(c; G(z, c)) less the constant H(c):

    min_{G, Q} max_D  V(D, G) - lambda * L_I(G, Q),   lambda = 1 for a discrete code (section 6).

So each category must draw something the discriminator's features tell apart from every other
category's drawing; a sample that mixes two categories' looks costs G.

The code is made from the standard-normal z that training, ``gantk sample`` and the exported
runtime all draw, as ``LatentMixture`` makes its component: z's first coordinate picks one of K
equally likely categories through the normal CDF, shown to the generator as a one-hot, and the
other coordinates are the noise at scale 1 (``gantk.latents.category_latents`` sets the category).
Q is a ``Dense(K)`` head named ``code`` on the features the discriminator's logit reads; the
discriminator then outputs ``[logit, code logits]`` concatenated (``GAN.discriminate_with_code``
splits them).
"""

import keras
from keras import layers, ops

from gantk.nets.initializers import dcgan_kernel
from gantk.nets.latent_mixture import LatentMixture

PRIOR_NAME = "info_code"
HEAD_NAME = "code"


def code_prior(components):
    """The generator's first layer: z -> [one-hot of the category z[:, 0] picks (K), z[:, 1:]]."""
    return LatentMixture(components, 1.0, name=PRIOR_NAME)


def with_code_head(discriminator, components):
    """``discriminator`` whose output is its logit followed by ``components`` code logits read from
    the features its ``logit`` layer reads (every other layer shared)."""
    features = discriminator.get_layer("logit").input
    code = layers.Dense(components, kernel_initializer=dcgan_kernel(), dtype="float32", name=HEAD_NAME)(features)
    output = layers.Concatenate(dtype="float32", name="logit_and_code")([discriminator.output, code])
    return keras.Model(discriminator.inputs, output, name=discriminator.name)


class InfoCode:
    """lambda times the cross-entropy of Q's code logits against the category each z picked."""

    def __init__(self, prior, weight=1.0):
        self.prior = prior
        self.weight = float(weight)

    def loss(self, z, code_logits):
        categories = self.prior.component(z)
        entropy = keras.losses.sparse_categorical_crossentropy(categories, ops.cast(code_logits, "float32"), from_logits=True)
        return self.weight * ops.mean(entropy)


def info_code(config, generator):
    """The run's ``InfoCode`` (``info_code``: K, ``info_weight``: lambda), read off ``generator``'s
    code layer."""
    return InfoCode(generator.get_layer(PRIOR_NAME), config.info_weight)
