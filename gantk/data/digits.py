"""The 8x8 handwritten digits that ship inside scikit-learn: a real dataset that needs no download."""

import numpy as np

from gantk.data.source import BundledSource, DatasetFacts, ImageData
from gantk.data.splits import stratified_split
from gantk.data.summary import preprocessing
from gantk.errors import DatasetError

SPLITS = ("all", "train", "test")
"""``all``: the 1,797 digits in scikit-learn's order (what training uses by default); ``train``
(1,347) and ``test`` (450): the fixed stratified 75/25 split of ``gantk probe`` (seed 0)."""


def split_indices(labels, split):
    if split == "all":
        return np.arange(len(labels))
    if split not in SPLITS:
        raise DatasetError(f"Argument `split` of dataset 'digits' must be one of {', '.join(SPLITS)}. Received: split={split!r}")
    train, test = stratified_split(labels)
    return train if split == "train" else test


def load_digits_images(image_size=32, channels=1, split="all"):
    """The 1,797 UCI optical-recognition digits (Alpaydin & Kaynak 1998), upsampled to ``image_size``."""
    import tensorflow as tf
    from sklearn.datasets import load_digits

    from gantk.data.resize import square_uint8

    digits = load_digits()
    keep = split_indices(digits.target, split)
    pixels = np.rint(digits.images[keep] * (255.0 / 16.0)).astype(np.uint8)[..., None]
    images = square_uint8(pixels, image_size, channels)
    labels = digits.target[keep].astype(np.int32)
    dataset = tf.data.Dataset.from_tensor_slices({"image": images, "label": labels})
    return ImageData(
        name="digits",
        dataset=dataset,
        num_examples=len(labels),
        element_shape=(image_size, image_size, channels),
        label_names=[str(d) for d in range(10)],
        split=split,
        summary={
            "source": "bundled",
            "origin": "scikit-learn load_digits, the UCI 8x8 optical-recognition digits",
            "preprocessing": preprocessing(crop="none (8x8 squares)", size=image_size, channels=channels),
        },
    )


SOURCE = BundledSource(
    name="digits",
    summary="1,797 handwritten digits, 8x8 grey, 10 classes (scikit-learn); splits all, train, test",
    facts=DatasetFacts(kind="image", channels=1, image_size=32),
    load=lambda image_size, channels, split: load_digits_images(image_size=image_size, channels=channels or 1, split=split),
    splits=SPLITS,
)
