"""Minibatch discrimination (Salimans et al. 2016, "Improved techniques for training GANs", section 3.2).

The discriminator looks at a whole minibatch, so a generator that collapses onto one mode is easy
to tell apart.
"""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="gantk")
class MinibatchDiscrimination(layers.Layer):
    """Features [N, A] -> [N, A + num_kernels]: each example's closeness to the rest of its batch.

    With a learned tensor T of shape [A, B, C] (B = ``num_kernels``, C = ``kernel_dim``),
    M_i = f(x_i) T is a B x C matrix per example, c_b(x_i, x_j) = exp(-||M_i,b - M_j,b||_L1) and
    o(x_i)_b = sum over j != i of c_b(x_i, x_j); the output is [f(x_i), o(x_i)] (Salimans et al.
    2016, section 3.2). The sum leaves out j = i (it adds the constant 1), as the authors' code
    does. Under a distribution strategy each replica compares the examples of its own share.
    """

    def __init__(self, num_kernels=100, kernel_dim=5, kernel_initializer=None, **kwargs):
        super().__init__(**kwargs)
        self.num_kernels = int(num_kernels)
        self.kernel_dim = int(kernel_dim)
        self.kernel_initializer = keras.initializers.get(
            kernel_initializer or keras.initializers.RandomNormal(stddev=0.05)
        )

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.num_kernels * self.kernel_dim),
            initializer=self.kernel_initializer,
            name="kernel",
        )

    def call(self, inputs):
        m = ops.reshape(ops.matmul(inputs, self.kernel), (-1, self.num_kernels, self.kernel_dim))
        distances = ops.sum(ops.abs(ops.expand_dims(m, 1) - ops.expand_dims(m, 0)), axis=-1)
        closeness = ops.sum(ops.exp(-distances), axis=1) - 1.0
        return ops.concatenate([inputs, closeness], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.num_kernels)

    def get_config(self):
        return {
            **super().get_config(),
            "num_kernels": self.num_kernels,
            "kernel_dim": self.kernel_dim,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
