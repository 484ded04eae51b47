"""The text encoder phi(t) of GAN-CLS (Reed et al. 2016, arXiv:1605.05396) and its image twin.

``text_encoder``: word ids (``gantk.tokenizer``, 0 pads) -> an embedding, two 1-D convolutions
over the words, the mean and the maximum over the caption's words, a dense projection to
``EMBEDDING_DIM`` and unit length. The paper's encoder is a character-level CNN-RNN; the
shapes captions come from a word grammar, so a word-level convolution suffices. It is
pretrained against ``image_encoder`` (``gantk.training.text_pretraining``), as Reed et al.
pretrain phi with a symmetric joint embedding of images and captions.

``attribute_encoder``: a fixed, untrained map from word ids to the attribute one-hots the
caption names (``gantk.data.captions.attribute_table``): the conditional GAN given the true
labels, the upper bound a learned encoder can reach.
"""

import keras
from keras import layers, ops

EMBEDDING_DIM = 128
WORD_DIM = 64
CONV_FILTERS = 128
IMAGE_ENCODER_VERSION = 2
"""Raised when ``image_encoder``'s layers change meaning (2: max pooling instead of strided convolutions,
with the same weight shapes); a caption-matching run records it and resumes only under the same one."""


@keras.saving.register_keras_serializable(package="gantk")
class CaptionPooling(keras.layers.Layer):
    """Per-word features ``[N, L, C]`` and word ids ``[N, L]`` -> the features pooled over the words (padding excluded).

    ``mode`` "mean_max" gives the mean and the maximum side by side ``[N, 2C]``; "sum" the sum ``[N, C]``.
    """

    def __init__(self, mode="mean_max", **kwargs):
        super().__init__(**kwargs)
        self.mode = mode

    def call(self, features, tokens):
        mask = ops.expand_dims(ops.cast(ops.greater(tokens, 0), features.dtype), -1)
        total = ops.sum(features * mask, axis=1)
        if self.mode == "sum":
            return total
        mean = total / ops.maximum(ops.sum(mask, axis=1), 1.0)
        largest = ops.max(features * mask - (1.0 - mask) * 1e4, axis=1)
        return ops.concatenate([mean, largest], axis=-1)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


def token_input(max_length, name="tokens"):
    return keras.Input(shape=(int(max_length),), dtype="int32", name=name)


def text_encoder(vocabulary_size, max_length, dim=EMBEDDING_DIM, name="text_encoder"):
    """Word ids int32 ``[N, max_length]`` -> unit-length caption embeddings ``[N, dim]``."""
    tokens = token_input(max_length)
    x = layers.Embedding(int(vocabulary_size) + 1, WORD_DIM, name="words")(tokens)
    for index in (1, 2):
        x = layers.Conv1D(CONV_FILTERS, 3, padding="same", activation="relu", name=f"conv{index}")(x)
    x = CaptionPooling(name="pool")(x, tokens)
    x = layers.Dense(dim, name="project")(x)
    embedding = layers.UnitNormalization(dtype="float32", name="embedding")(x)
    return keras.Model(tokens, embedding, name=name)


def attribute_encoder(table, max_length, name="text_encoder"):
    """Word ids -> the caption's attribute one-hots, through the fixed word table ``[V + 1, F]``."""
    tokens = token_input(max_length)
    words = layers.Embedding(
        table.shape[0], table.shape[1], embeddings_initializer=keras.initializers.Constant(table), trainable=False, name="words"
    )(tokens)
    counts = CaptionPooling(mode="sum", name="pool")(words, tokens)
    onehots = layers.ReLU(max_value=1.0, dtype="float32", name="embedding")(counts)
    return keras.Model(tokens, onehots, name=name)


def image_encoder(image_shape, dim=EMBEDDING_DIM, name="image_encoder"):
    """Images in [-1, 1] -> unit-length embeddings ``[N, dim]``: three 3x3 convolutions at full
    resolution, each followed by 2x2 max pooling, a hidden layer and a projection.

    Strided convolutions instead read a small shape's outline too coarsely to tell its kind (the
    caption's hardest word); ``gantk.training.text_pretraining.attribute_reading`` measures it.
    """
    image = keras.Input(shape=tuple(image_shape), name="image")
    x = image
    for index, filters in enumerate((32, 64, 128), 1):
        x = layers.MaxPooling2D(name=f"pool{index}")(layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{index}")(x))
    x = layers.Flatten()(x)
    x = layers.Dense(256, activation="relu", name="hidden")(x)
    x = layers.Dense(dim, name="project")(x)
    embedding = layers.UnitNormalization(dtype="float32", name="embedding")(x)
    return keras.Model(image, embedding, name=name)
