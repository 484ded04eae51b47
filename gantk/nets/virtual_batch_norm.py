"""Virtual batch normalization (Salimans et al. 2016, "Improved techniques for training GANs", section 3.4).

``VirtualBatchNormalization`` normalises each example with the statistics of a fixed reference
batch combined with the example itself; ``ReferenceBatch`` puts that reference batch in front of
every batch a network sees and ``DropReference`` takes it off again at the output, so the layers
in between (all per-example) carry the reference activations to every normalisation layer.
"""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="gantk")
class ReferenceBatch(layers.Layer):
    """[N, ...] -> [R + N, ...]: the stored reference batch of R examples, then the batch.

    The reference is a non-trainable weight, saved with the model and in checkpoints. It is set
    once before training (``set_reference``): real examples for a discriminator, latents (and
    labels) for a generator (Salimans et al. 2016, section 3.4).
    """

    def __init__(self, size, reference_dtype="float32", **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.reference_dtype = reference_dtype

    def build(self, input_shape):
        self.reference = self.add_weight(
            shape=(self.size, *input_shape[1:]), initializer="zeros", dtype=self.reference_dtype,
            trainable=False, name="reference",
        )

    def set_reference(self, values):
        self.reference.assign(ops.cast(values, self.reference.dtype))

    def call(self, inputs):
        reference = ops.cast(self.reference, inputs.dtype)
        return ops.concatenate([reference, inputs], axis=0)

    def compute_output_shape(self, input_shape):
        return (None, *input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "size": self.size, "reference_dtype": self.reference_dtype}


@keras.saving.register_keras_serializable(package="gantk")
class DropReference(layers.Layer):
    """[R + N, ...] -> [N, ...]: removes the reference rows that ``ReferenceBatch`` added."""

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def call(self, inputs):
        return inputs[self.size :]

    def compute_output_shape(self, input_shape):
        return (None, *input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@keras.saving.register_keras_serializable(package="gantk")
class VirtualBatchNormalization(layers.Layer):
    """Batch normalisation against a fixed reference batch (Salimans et al. 2016, section 3.4).

    The input's first ``reference_size`` rows are the reference batch's activations; they are
    normalised with their own statistics (mean and mean square over the reference batch and every
    axis but the last, the channels). Each other example x is normalised with the reference
    statistics combined with its own: mean = (m(x) + R m_ref) / (R + 1), likewise for the mean
    square, variance = mean square - mean^2, where m(x) is the mean over x's non-channel axes.
    An example's output thus does not depend on the other examples of its batch, in training and
    inference alike. Then ``gamma`` and ``beta`` as in batch normalisation.
    """

    def __init__(
        self, reference_size, epsilon=1e-5, center=True, scale=True,
        beta_initializer="zeros", gamma_initializer="ones", **kwargs,
    ):
        super().__init__(**kwargs)
        self.reference_size = int(reference_size)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)

    def build(self, input_shape):
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(shape=channels, initializer=self.gamma_initializer, name="gamma") if self.scale else None
        self.beta = self.add_weight(shape=channels, initializer=self.beta_initializer, name="beta") if self.center else None

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        example_axes = tuple(range(1, len(x.shape) - 1))
        mean = ops.mean(x, axis=example_axes, keepdims=True) if example_axes else x
        mean_square = ops.mean(ops.square(x), axis=example_axes, keepdims=True) if example_axes else ops.square(x)
        size, weight = self.reference_size, 1.0 / (self.reference_size + 1.0)
        ref_mean = ops.mean(mean[:size], axis=0, keepdims=True)
        ref_mean_square = ops.mean(mean_square[:size], axis=0, keepdims=True)
        mean = ops.concatenate(
            [ops.zeros_like(mean[:size]) + ref_mean, weight * mean[size:] + (1.0 - weight) * ref_mean], axis=0
        )
        mean_square = ops.concatenate(
            [ops.zeros_like(mean_square[:size]) + ref_mean_square,
             weight * mean_square[size:] + (1.0 - weight) * ref_mean_square],
            axis=0,
        )
        variance = ops.maximum(mean_square - ops.square(mean), 0.0)
        y = (x - mean) * ops.rsqrt(variance + self.epsilon)
        if self.scale:
            y = y * ops.cast(self.gamma, "float32")
        if self.center:
            y = y + ops.cast(self.beta, "float32")
        return ops.cast(y, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "reference_size": self.reference_size,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
        }
