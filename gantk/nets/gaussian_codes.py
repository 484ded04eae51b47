"""The latent prior of an auto-encoder's decoder: a Gaussian fitted to the codes of its training data.

A plain auto-encoder has no prior over its codes, so its decoder cannot sample from N(0, I) the way
a VAE's can. ``GaussianCodes`` is the generator's first layer: it keeps moving averages of the mean
and second moment of the training codes (momentum ``momentum`` per step) and the factor ``scale``
of their covariance, and maps the standard-normal z that ``gantk sample``, export and the runtime
draw to ``mean + z @ scale``, a draw from that Gaussian. Its weights live in the generator, so they
are checkpointed, saved in ``generator.keras`` and applied in the exported graph.
"""

import keras
from keras import ops

JITTER = 1e-5


@keras.saving.register_keras_serializable(package="gantk")
class GaussianCodes(keras.layers.Layer):
    """z [batch, d] -> mean + z @ scale, with ``scale`` the transposed Cholesky factor of the codes' covariance."""

    def __init__(self, momentum=0.99, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})
        self.momentum = float(momentum)

    def build(self, input_shape):
        dim = int(input_shape[-1])
        state = dict(trainable=False, aggregation="mean")
        self.mean = self.add_weight(shape=(dim,), initializer="zeros", name="mean", **state)
        self.second_moment = self.add_weight(shape=(dim, dim), initializer="identity", name="second_moment", **state)
        self.scale = self.add_weight(shape=(dim, dim), initializer="identity", name="scale", **state)

    def call(self, z):
        return ops.matmul(ops.cast(z, "float32"), self.scale) + self.mean

    def update(self, codes):
        """Fold a batch of codes into the moving moments and refit ``scale``."""
        import tensorflow as tf

        codes = ops.cast(codes, "float32")
        count = ops.cast(ops.shape(codes)[0], "float32")
        keep = self.momentum
        mean = keep * self.mean + (1.0 - keep) * ops.mean(codes, axis=0)
        second = keep * self.second_moment + (1.0 - keep) * ops.matmul(ops.transpose(codes), codes) / count
        covariance = second - ops.outer(mean, mean)
        covariance = 0.5 * (covariance + ops.transpose(covariance)) + JITTER * ops.eye(ops.shape(mean)[0])
        self.mean.assign(mean)
        self.second_moment.assign(second)
        self.scale.assign(ops.transpose(tf.linalg.cholesky(covariance)))

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum}
