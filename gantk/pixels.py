"""Pixels between uint8 [0, 255] and the model range [-1, 1] of the generator's tanh (Radford et al. 2015)."""

import numpy as np

HALF_RANGE = 127.5


def from_uint8(images):
    """uint8 pixels (numpy) as float32 in [-1, 1]."""
    return np.asarray(images, np.float32) / HALF_RANGE - 1.0


def tensor_from_uint8(images):
    """uint8 pixels (a TensorFlow tensor) as float32 in [-1, 1]."""
    import tensorflow as tf

    return tf.cast(images, tf.float32) / HALF_RANGE - 1.0


def to_uint8(images):
    """Images in [-1, 1] as uint8 in [0, 255], rounding to the nearest step."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip(np.rint((images + 1.0) * HALF_RANGE), 0, 255).astype(np.uint8)
