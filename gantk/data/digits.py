"""The 8x8 handwritten digits that ship inside scikit-learn: a real dataset that needs no download."""

import numpy as np

from gantk.data.source import BundledSource, DatasetFacts, ImageData


def load_digits_images(image_size=32, channels=1):
    """The 1,797 UCI optical-recognition digits (Alpaydin & Kaynak 1998), upsampled to ``image_size``."""
    import tensorflow as tf
    from sklearn.datasets import load_digits

    from gantk.data.resize import square_uint8

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
    )


SOURCE = BundledSource(
    name="digits",
    summary="1,797 handwritten digits, 8x8 grey, 10 classes (scikit-learn)",
    facts=DatasetFacts(kind="image", channels=1, image_size=32),
    load=lambda image_size, channels, split=None: load_digits_images(image_size=image_size, channels=channels or 1),
)
