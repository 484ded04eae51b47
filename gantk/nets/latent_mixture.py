"""A disconnected latent prior: a uniform mixture of K separated components, made from the standard-normal z.

A generator is a continuous function, so from a connected latent distribution such as the standard
normal it can only produce a connected set: between separated modes it must put some mass on the
"bridges" that join them (Khayatkhoei, Singh & Elgammal 2018, "Disconnected manifold learning for
generative adversarial networks", arXiv:1806.00880). A mixture prior lifts that limit (Gurumurthy,
Sarvadevabhatla & Babu 2017, DeLiGAN, arXiv:1706.02071, learn a mixture of Gaussians; here the
mixture is fixed, like the categorical code of InfoGAN, Chen et al. 2016, without its
mutual-information term).

``LatentMixture`` is the generator's first layer. It turns the standard-normal z that training,
``gantk sample`` and the exported runtime all draw into a draw from the mixture, so none of them
changes: the first coordinate picks one of ``components`` equally likely components through the
normal CDF, shown to the network as a one-hot code, and the other coordinates, times ``scale``,
place the point within its component.
"""

import math

import keras
from keras import ops

from gantk.errors import ConfigError

DEFAULT_SCALE = 0.1


@keras.saving.register_keras_serializable(package="gantk")
class LatentMixture(keras.layers.Layer):
    """z [batch, d] -> [one-hot component of z[:, 0] (K), scale * z[:, 1:] (d - 1)].

    Computes in float32 under any dtype policy: in bfloat16 the CDF has steps of up to 1/128, so
    components would merge, and the float32 generator that export makes would pick other ones.
    """

    def __init__(self, components, scale=DEFAULT_SCALE, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})
        if isinstance(components, bool) or not isinstance(components, int) or components < 2:
            raise ConfigError(f"Option `latent_mixture` must be a whole number of components >= 2. Received: {components!r}")
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
            raise ConfigError(f"Option `latent_mixture_scale` must be a positive number. Received: {scale!r}")
        self.components = int(components)
        self.scale = float(scale)

    def component(self, z):
        """Index of the component of each row: ``floor(K * Phi(z[:, 0]))``, each index with probability 1/K."""
        cdf = 0.5 * (1.0 + ops.erf(z[:, 0] / math.sqrt(2.0)))
        return ops.cast(ops.clip(ops.floor(cdf * self.components), 0, self.components - 1), "int32")

    def call(self, z):
        code = ops.one_hot(self.component(z), self.components, dtype=z.dtype)
        return ops.concatenate([code, self.scale * z[:, 1:]], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.components + input_shape[1] - 1)

    def get_config(self):
        return {**super().get_config(), "components": self.components, "scale": self.scale}


def latent_prior(config):
    """The ``LatentMixture`` that the run asks for (``latent_mixture``: K, ``latent_mixture_scale``:
    default 0.1), InfoGAN's categorical code (``info_code``: K; ``gantk.nets.info_code``), or None
    for the plain standard normal."""
    if config.info_code:
        from gantk.nets.info_code import code_prior

        return code_prior(config.info_code)
    if config.latent_mixture is None:
        return None
    scale = DEFAULT_SCALE if config.latent_mixture_scale is None else config.latent_mixture_scale
    return LatentMixture(config.latent_mixture, scale, name="latent_mixture")
