"""Named datasets -> ``tf.data`` of dict examples ``{"image", "label"}``.

A dataset spec is a bundled dataset (``gantk.data.registry``: digits, shapes, ring8, grid25;
``shapes/colour`` picks a configuration, in tensorflow-datasets' ``name/config`` syntax), a
folder of the user's images, or any tensorflow-datasets image dataset by name.
``describe_dataset`` tells what a spec is before anything loads; ``load_dataset`` loads it.
TensorFlow is imported only by the loaders.
"""

import dataclasses
import hashlib
import os
import re

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
    return spec.startswith((".", "~", os.sep)) or os.path.isdir(spec) or (os.sep in spec and registered(spec)[0] is None)


def check_spec(spec):
    if not isinstance(spec, str) or not spec:
        raise DatasetError(f"Argument `dataset` must be a dataset name or a folder. Received: dataset={spec!r}")
    return spec


def registered(spec):
    """``(BundledSource, config)`` of a bundled dataset spec (``name`` or ``name/config``), or ``(None, None)``."""
    name, _, config = spec.partition("/")
    if name not in SOURCES or os.path.isdir(spec):
        return None, None
    source = SOURCES[name]
    if config and config not in source.configs:
        accepted = f"one of {', '.join(source.configs)}" if source.configs else "none"
        raise DatasetError(f"Dataset {name!r} has no configuration {config!r} (accepted: {accepted}). Received: dataset={spec!r}")
    return source, config or (source.configs[0] if source.configs else None)


def default_split(spec):
    """The split a dataset gives when none is named: a bundled source's first, else ``train``."""
    source, _ = registered(check_spec(spec))
    return source.splits[0] if source is not None and source.splits else "train"


def check_split(spec, split):
    """``split``, when a bundled dataset or a folder has it (a tensorflow-datasets split is checked when its
    builder loads); found without TensorFlow."""
    source, _ = registered(check_spec(spec))
    if source is not None and source.splits and split not in source.splits:
        raise DatasetError(f"Argument `split` of dataset {spec!r} must be one of {', '.join(source.splits)}. Received: split={split!r}")
    if source is None and looks_like_path(spec) and split not in ("train", "all"):
        raise DatasetError(f"A folder dataset has one split, train (or all). Received: split={split!r}")
    return split


def describe_dataset(spec, data_dir=None):
    """The ``DatasetFacts`` of a dataset spec, found without loading its examples."""
    source, _ = registered(check_spec(spec))
    if source is not None:
        return source.facts
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


def dataset_key(dataset, split, image_size, channels):
    """A file-name-safe key for a dataset at a size: ``digits-train-16x16x1``, ``shapes_colour-test-32x32x3``;
    folders add a path hash."""
    name = str(dataset)
    if name.startswith((os.sep, ".", "~")) or os.path.isdir(os.path.expanduser(name)):
        path = os.path.abspath(os.path.expanduser(name))
        name = f"{os.path.basename(path.rstrip(os.sep)) or 'folder'}-{hashlib.sha256(path.encode()).hexdigest()[:8]}"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    split = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(split))
    return f"{name}-{split}-{image_size}x{image_size}x{channels}"


def first_examples(data, n):
    """``data`` cut to its first ``n`` examples, with its per-example extras cut alike."""
    n = min(int(n), data.num_examples)
    return dataclasses.replace(
        data, dataset=data.dataset.take(n), num_examples=n, stream=None,
        attributes=None if data.attributes is None else data.attributes[:n],
        captions=None if data.captions is None else data.captions[:n],
    )


def load_dataset(spec, image_size=None, channels=None, split=None, data_dir=None, download=True, n=None):
    """Turn a dataset spec into unbatched uint8 examples resized to ``image_size`` squares.

    ``image_size`` and ``channels`` default to the dataset's (``describe_dataset``); ``split`` to
    ``default_split(spec)`` (digits: ``all``, the rest: ``train``); ``n`` keeps the first ``n``
    examples of the split (a source that builds examples makes only those).
    """
    facts = describe_dataset(spec, data_dir)
    if n is not None and int(n) < 1:
        raise DatasetError(f"Argument `n` must be a positive number of examples. Received: n={n!r}")
    image_size = image_size or facts.image_size
    channels = channels or facts.channels
    split = check_split(spec, split or default_split(spec))
    source, config = registered(spec)
    if source is not None:
        extra = dict(split=split) if source.splits else {}
        extra.update(dict(config=config) if source.configs else {})
        extra.update(dict(n=n) if source.takes_n else {})
        data = source.load(image_size=image_size, channels=channels, **extra)
    elif looks_like_path(spec):
        from gantk.data.folder import load_folder_images

        data = load_folder_images(os.path.expanduser(spec), image_size=image_size, channels=channels or 3)
    else:
        from gantk.data.tfds_source import load_tfds_images

        data = load_tfds_images(spec, image_size=image_size, channels=channels, split=split, data_dir=data_dir, download=download)
    data = data if data.split else dataclasses.replace(data, split=split)
    return first_examples(data, n) if n is not None and n < data.num_examples else data


def dataset_names():
    """Names usable with ``--dataset`` besides folders and the whole tensorflow-datasets catalogue."""
    return sorted(SOURCES)
