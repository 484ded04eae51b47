"""Named datasets -> ``tf.data`` of dict batches ``{"image", "label"}``.

``load_dataset`` accepts ``digits`` (bundled with scikit-learn, no download), a folder of the
user's images, or any tensorflow-datasets image dataset by name; other modules register more
named sources in ``gantk.data.registry`` (for example the 2-D mixtures).
"""

import os

from gantk.errors import DatasetError

from gantk.data.registry import builtin_sources

DEFAULT_IMAGE_SIZE = {"digits": 32, "mnist": 32, "fashion_mnist": 32, "cifar10": 32, "celeb_a": 64}


def looks_like_path(spec):
    return os.sep in spec or spec.startswith((".", "~")) or os.path.isdir(spec)


def default_image_size(spec):
    return DEFAULT_IMAGE_SIZE.get(spec, 64)


def load_dataset(spec, image_size=None, channels=None, split="train", data_dir=None, download=True):
    """Turn a dataset spec into unbatched uint8 examples resized to ``image_size`` squares.

    ``channels`` defaults to what the data has (1 for digits and mnist, 3 for colour data).
    """
    sources = builtin_sources()
    if not isinstance(spec, str) or not spec:
        raise DatasetError(f"Argument `dataset` must be a dataset name or a folder. Received: dataset={spec!r}")
    image_size = image_size or default_image_size(spec)
    if spec in sources:
        return sources[spec](image_size=image_size, channels=channels)
    if looks_like_path(spec):
        from gantk.data.folder import load_folder_images

        return load_folder_images(os.path.expanduser(spec), image_size=image_size, channels=channels or 3)
    from gantk.data.tfds_source import load_tfds_images

    return load_tfds_images(spec, image_size=image_size, channels=channels, split=split, data_dir=data_dir, download=download)


def dataset_names():
    """Names usable with ``--dataset`` besides folders and the whole tensorflow-datasets catalogue."""
    return sorted(builtin_sources())
