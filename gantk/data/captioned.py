"""Captioned examples for text-to-image training: word ids beside each image."""

import dataclasses

from gantk.errors import DatasetError
from gantk.tokenizer import build_vocabulary, encode


def no_captions(variant, dataset):
    return DatasetError(f"The {variant} variant trains on captioned images (dataset shapes); dataset {dataset!r} has no captions.")


def caption_vocabulary(data, variant):
    """The sorted words of ``data``'s captions, or a ``DatasetError`` when it has none."""
    if not data.captions:
        raise no_captions(variant, data.name)
    return build_vocabulary(data.captions)


def with_tokens(data, vocabulary):
    """``data`` whose examples also hold ``tokens``: int32 ``[MAX_LENGTH]`` word ids of their captions."""
    import tensorflow as tf

    tokens = tf.data.Dataset.from_tensor_slices(encode(data.captions, vocabulary))
    joined = tf.data.Dataset.zip((data.dataset, tokens)).map(lambda example, ids: {**example, "tokens": ids})
    return dataclasses.replace(data, dataset=joined)
