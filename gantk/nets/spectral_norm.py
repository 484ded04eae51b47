"""Spectral normalization (Miyato, Kataoka, Koyama & Yoshida 2018, arXiv:1802.05957, SN-GAN).

Each Dense or convolution layer of the discriminator uses W / sigma(W), where sigma(W) is the
largest singular value of W reshaped to [fan_in, units], so that every layer, and with
1-Lipschitz activations the whole discriminator, is at most 1-Lipschitz. sigma is estimated by
the paper's Algorithm 1: a persistent vector u, one power iteration per training call,
v = normalize(u W^T), u = normalize(v W), sigma = v W u^T, with the gradient taken through sigma
for u and v held fixed.

``keras.layers.SpectralNormalization`` writes W / sigma back into the kernel variable at every
training call instead, so the optimizer never sees the normalisation in its gradients; this
wrapper keeps the reparametrisation of the paper.
"""

import keras
from keras import layers, ops

from gantk.errors import ConfigError

EPSILON = 1e-12
NORMALISED = (layers.Dense, layers.Conv2D)


def _normalize(x):
    return x / (ops.sqrt(ops.sum(ops.square(x))) + EPSILON)


@keras.saving.register_keras_serializable(package="gantk")
class SpectralNorm(layers.Wrapper):
    """A ``Dense`` or channels-last ``Conv2D`` layer applied with its kernel divided by its spectral norm."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, NORMALISED):
            raise ValueError(f"SpectralNorm wraps a Dense or Conv2D layer. Received: {type(layer).__name__}")
        if isinstance(layer, layers.Conv2D) and layer.data_format != "channels_last":
            raise ValueError(f"SpectralNorm needs a channels-last Conv2D. Received: {layer.name} ({layer.data_format})")
        super().__init__(layer, **kwargs)

    def build(self, input_shape):
        super().build(input_shape)
        self.u = self.add_weight(
            shape=(1, self.layer.kernel.shape[-1]), initializer=keras.initializers.RandomNormal(stddev=1.0),
            trainable=False, autocast=False, name="u",
        )

    def sigma(self, training=False):
        """The power-iteration estimate of the kernel's largest singular value; in training, u moves one step."""
        weights = ops.reshape(ops.cast(self.layer.kernel, "float32"), (-1, self.layer.kernel.shape[-1]))
        v = ops.stop_gradient(_normalize(ops.matmul(self.u, ops.transpose(weights))))
        u = ops.stop_gradient(_normalize(ops.matmul(v, weights)))
        if training:
            self.u.assign(u)
        return ops.sum(ops.matmul(v, weights) * u)

    def call(self, inputs, training=False):
        kernel = ops.cast(ops.cast(self.layer.kernel, "float32") / self.sigma(training), inputs.dtype)
        if isinstance(self.layer, layers.Dense):
            outputs = ops.matmul(inputs, kernel)
        else:
            outputs = self.layer.convolution_op(inputs, kernel)
        if self.layer.use_bias:
            outputs = outputs + ops.cast(self.layer.bias, outputs.dtype)
        return self.layer.activation(outputs) if self.layer.activation is not None else outputs

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)


def with_spectral_norm(model):
    """A copy of ``model`` whose Dense and Conv2D layers are wrapped in ``SpectralNorm`` (their weights shared).

    Each wrapper takes its layer's name, so code that finds a layer by name (the ``logit`` whose
    input feature matching reads) finds the normalised one."""
    if not any(isinstance(layer, NORMALISED) for layer in model.layers):
        raise ConfigError(f"Spectral normalization found no Dense or Conv2D layer in {model.name!r}.")

    def wrap(layer):
        return SpectralNorm(layer, name=layer.name, dtype=layer.dtype_policy) if isinstance(layer, NORMALISED) else layer

    return keras.models.clone_model(model, clone_function=wrap)
