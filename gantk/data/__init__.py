"""Named datasets -> ``tf.data`` of dict examples ``{"image", "label"}``.

A dataset spec is a bundled dataset (``gantk.data.registry``: digits, ring8, grid25), a folder of
the user's images, or any tensorflow-datasets image dataset by name. ``describe_dataset`` tells
what a spec is before anything loads; ``load_dataset`` loads it. TensorFlow is imported only by
the loaders.
"""

import os

from gantk.data.catalogue import is_tfds_name
from gantk.data.registry import SOURCES
from gantk.data.source import DatasetFacts
from gantk.errors import DatasetError

TFDS_FACTS = {
    "mnist": DatasetFacts(channels=1, image_size=32),
    "fashion_mnist": DatasetFacts(channels=1, image_size=32),
    "cifar10": DatasetFacts(channels=3, image_size=32),
    "celeb_a": DatasetFacts(channels=3, image_size=64),
}
"""Facts of common tensorflow-datasets datasets, so their runs resolve without building the builder."""


def unknown_dataset_message(spec):
    return (
        f"Unknown dataset {spec!r}: use {', '.join(sorted(SOURCES))}, a folder of images, "
        "or a tensorflow-datasets image dataset such as mnist, fashion_mnist, cifar10 or celeb_a."
    )


def looks_like_path(spec):
    return os.sep in spec or spec.startswith((".", "~")) or os.path.isdir(spec)


def check_spec(spec):
    if not isinstance(spec, str) or not spec:
        raise DatasetError(f"Argument `dataset` must be a dataset name or a folder. Received: dataset={spec!r}")
    return spec


def describe_dataset(spec, data_dir=None):
    """The ``DatasetFacts`` of a dataset spec, found without loading its examples."""
    check_spec(spec)
    if spec in SOURCES:
        return SOURCES[spec].facts
    if looks_like_path(spec):
        if not os.path.isdir(os.path.expanduser(spec)):
            raise DatasetError(f"Dataset folder {spec!r} does not exist or is not a directory.")
        return DatasetFacts(kind="image", channels=3, image_size=64)
    if spec in TFDS_FACTS:
        return TFDS_FACTS[spec]
    if not is_tfds_name(spec):
        raise DatasetError(unknown_dataset_message(spec))
    from gantk.data.tfds_source import tfds_facts

    return tfds_facts(spec, data_dir)


def load_dataset(spec, image_size=None, channels=None, split="train", data_dir=None, download=True):
    """Turn a dataset spec into unbatched uint8 examples resized to ``image_size`` squares.

    ``image_size`` and ``channels`` default to the dataset's (``describe_dataset``).
    """
    facts = describe_dataset(spec, data_dir)
    image_size = image_size or facts.image_size
    channels = channels or facts.channels
    if spec in SOURCES:
        return SOURCES[spec].load(image_size=image_size, channels=channels, split=split)
    if looks_like_path(spec):
        from gantk.data.folder import load_folder_images

        return load_folder_images(os.path.expanduser(spec), image_size=image_size, channels=channels or 3)
    from gantk.data.tfds_source import load_tfds_images

    return load_tfds_images(spec, image_size=image_size, channels=channels, split=split, data_dir=data_dir, download=download)


def dataset_names():
    """Names usable with ``--dataset`` besides folders and the whole tensorflow-datasets catalogue."""
    return sorted(SOURCES)
