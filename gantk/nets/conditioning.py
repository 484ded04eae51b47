"""Feeding a class label to a network (Mirza & Osindero 2014, conditional GAN)."""

import keras
from keras import layers


def label_input(name="label"):
    return keras.Input(shape=(), dtype="int32", name=name)


@keras.saving.register_keras_serializable(package="gantk")
class OneHot(layers.Layer):
    """Integer labels [batch] -> one-hot vectors [batch, num_classes].

    A layer rather than a ``Lambda``, so that ``keras.models.clone_model`` (the generator's weight
    average) and ``keras.saving.load_model`` in safe mode rebuild it from its config.
    """

    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)

    def call(self, labels):
        return keras.ops.one_hot(keras.ops.cast(labels, "int32"), self.num_classes)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.num_classes)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def one_hot(labels, num_classes):
    """The one-hot label vector that is concatenated to an MLP's or a generator's input."""
    return OneHot(num_classes, name="label_one_hot")(labels)


def label_map(labels, num_classes, height, width):
    """A learned ``height`` x ``width`` map per class, concatenated to an image as an extra channel."""
    embedded = layers.Embedding(num_classes, height * width, name="label_embedding")(labels)
    return layers.Reshape((height, width, 1), name="label_map")(embedded)
