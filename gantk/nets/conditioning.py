"""Feeding a class label to a network (Mirza & Osindero 2014, conditional GAN)."""

import keras
from keras import layers


def label_input(name="label"):
    return keras.Input(shape=(), dtype="int32", name=name)


def one_hot(labels, num_classes):
    """The one-hot label vector that is concatenated to an MLP's or a generator's input."""
    return layers.Lambda(
        lambda y: keras.ops.one_hot(keras.ops.cast(y, "int32"), num_classes), name="label_one_hot"
    )(labels)


def label_map(labels, num_classes, height, width):
    """A learned ``height`` x ``width`` map per class, concatenated to an image as an extra channel."""
    embedded = layers.Embedding(num_classes, height * width, name="label_embedding")(labels)
    return layers.Reshape((height, width, 1), name="label_map")(embedded)
