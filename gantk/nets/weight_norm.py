"""Weight normalisation (Salimans & Kingma 2016, arXiv:1602.07868), as in the networks of Salimans
et al. 2016 ("Improved techniques for training GANs", the MNIST model of the code release).

``WeightNormDense`` is a dense layer whose kernel is reparametrised as w = g * v / ||v|| for each
output unit: the direction v and the length g are separate trainable weights. ``initialize_from_data``
is the paper's data-dependent initialisation (section 3): for a batch of inputs, each layer in turn
sets g and the bias so that its pre-activations have mean 0 and standard deviation 1 over the batch.
"""

import keras
import numpy as np
from keras import layers, ops

DIRECTION_STDDEV = 0.05
EPSILON = 1e-8


@keras.saving.register_keras_serializable(package="gantk")
class WeightNormDense(layers.Layer):
    """x -> x . (g * v / ||v||) + b, the norm taken over the inputs of each of the ``units`` outputs."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        self.direction = self.add_weight(
            shape=(input_shape[-1], self.units), initializer=keras.initializers.RandomNormal(stddev=DIRECTION_STDDEV),
            name="direction",
        )
        self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def kernel(self):
        """The effective kernel g * v / ||v||."""
        norm = ops.sqrt(ops.sum(ops.square(self.direction), axis=0) + EPSILON)
        return self.direction * (self.scale / norm)

    def call(self, inputs):
        kernel = ops.cast(self.kernel(), inputs.dtype)
        return ops.matmul(inputs, kernel) + ops.cast(self.bias, inputs.dtype)

    def initialize_from_data(self, inputs):
        """Set g and b from ``inputs`` [N, in] so that the outputs have mean 0 and std 1 per unit."""
        direction = np.asarray(self.direction.numpy(), dtype="float64")
        projected = np.asarray(inputs, dtype="float64") @ (direction / np.sqrt((direction**2).sum(axis=0) + EPSILON))
        mean, std = projected.mean(axis=0), projected.std(axis=0) + EPSILON
        self.scale.assign((1.0 / std).astype("float32"))
        self.bias.assign((-mean / std).astype("float32"))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def weight_norm_layers(model):
    return [layer for layer in model.layers if isinstance(layer, WeightNormDense)]


def initialize_from_data(model, inputs):
    """Data-dependent initialisation of every ``WeightNormDense`` of the functional ``model``, first to
    last, on the batch ``inputs`` (inference mode: no noise); returns the number of layers set."""
    found = weight_norm_layers(model)
    sources = model.inputs if len(model.inputs) > 1 else model.inputs[0]
    for layer in found:
        layer.initialize_from_data(keras.Model(sources, layer.input)(inputs, training=False))
    return len(found)
