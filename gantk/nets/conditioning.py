"""Feeding a condition to a network: concatenated (Mirza & Osindero 2014, conditional GAN) or projected
(Miyato & Koyama 2018, projection discriminator)."""

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


def projection(features, condition, name="projection"):
    """The conditional term of a projection discriminator (Miyato & Koyama 2018, arXiv:1802.05637, eq. 3).

    ``features`` is D's last feature map phi(x) [batch, h, w, c], ``condition`` a vector per example (a
    one-hot label or a text embedding); the term is y^T V phi(x), with phi(x) summed over positions
    (SN-GAN's global sum pooling) and V a learned linear map of the condition, added to the logit.
    """
    height, width, channels = (int(size) for size in features.shape[1:])
    pooled = layers.GlobalAveragePooling2D(name=f"{name}_pool")(features)
    pooled = layers.Rescaling(float(height * width), name=f"{name}_sum")(pooled)
    embedded = layers.Dense(channels, use_bias=False, name=f"{name}_embedding")(condition)
    return layers.Dot(axes=1, dtype="float32", name=name)([pooled, embedded])


def add_projection(logit, features, condition):
    """D's ``logit`` plus the projection of ``condition`` onto its last ``features`` (one logit per example)."""
    return layers.Add(dtype="float32", name="conditional_logit")([logit, projection(features, condition)])
