"""The 8x8 handwritten digits that ship inside scikit-learn: a real dataset that needs no download."""

import numpy as np
import tensorflow as tf

from gantk.data.registry import register_source
from gantk.data.resize import square_uint8
from gantk.data.source import ImageData
from gantk.data.summary import preprocessing


def load_digits_images(image_size=32, channels=1):
    """The 1,797 UCI optical-recognition digits (Alpaydin & Kaynak 1998), upsampled to ``image_size``."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    images = square_uint8(pixels, image_size, channels)
    labels = digits.target.astype(np.int32)
    dataset = tf.data.Dataset.from_tensor_slices({"image": images, "label": labels})
    return ImageData(
        name="digits",
        dataset=dataset,
        num_examples=len(labels),
        element_shape=(image_size, image_size, channels),
        label_names=[str(d) for d in range(10)],
        summary={
            "source": "bundled",
            "origin": "scikit-learn load_digits, the UCI 8x8 optical-recognition digits",
            "preprocessing": preprocessing(crop="none (8x8 squares)", size=image_size, channels=channels),
        },
    )


def _digits_source(image_size, channels):
    return load_digits_images(image_size=image_size, channels=channels or 1)


register_source("digits", _digits_source)
