"""Named datasets -> ``tf.data`` of dict batches ``{"image", "label"}``.

``load_dataset`` accepts ``digits`` (bundled with scikit-learn, no download), ``shapes``
(procedural, captioned; ``shapes/colour`` picks the label attribute), a folder of the user's
images, or any tensorflow-datasets image dataset by name; other modules register more named
sources in ``gantk.data.registry`` (for example the 2-D mixtures).
"""

import dataclasses
import os

from gantk.errors import DatasetError

from gantk.data.registry import builtin_sources

DEFAULT_IMAGE_SIZE = {"digits": 32, "mnist": 32, "fashion_mnist": 32, "cifar10": 32, "celeb_a": 64}


def looks_like_path(spec):
    return os.sep in spec or spec.startswith((".", "~")) or os.path.isdir(spec)


def default_image_size(spec):
    return DEFAULT_IMAGE_SIZE.get(spec, 64)


def registered(spec):
    """``(Source, config)`` of a bundled dataset spec (``name`` or ``name/config``), or ``(None, None)``."""
    sources = builtin_sources()
    name, _, config = spec.partition("/")
    if name not in sources:
        return None, None
    source = sources[name]
    if config and config not in source.configs:
        accepted = f"one of {', '.join(source.configs)}" if source.configs else "none"
        raise DatasetError(f"Dataset {name!r} has no configuration {config!r} (accepted: {accepted}). Received: dataset={spec!r}")
    return source, config or (source.configs[0] if source.configs else None)


def default_split(spec):
    """The split a dataset gives when none is named: a bundled source's first, else ``train``."""
    source, _ = registered(spec) if isinstance(spec, str) and spec else (None, None)
    return source.splits[0] if source is not None and source.splits else "train"


def first_examples(data, n):
    """``data`` cut to its first ``n`` examples, with its per-example extras cut alike."""
    n = min(int(n), data.num_examples)
    return dataclasses.replace(
        data, dataset=data.dataset.take(n), num_examples=n,
        attributes=None if data.attributes is None else data.attributes[:n],
        captions=None if data.captions is None else data.captions[:n],
    )


def load_dataset(spec, image_size=None, channels=None, split=None, data_dir=None, download=True, n=None):
    """Turn a dataset spec into unbatched uint8 examples resized to ``image_size`` squares.

    ``channels`` defaults to what the data has (1 for digits and mnist, 3 for colour data);
    ``split`` to ``default_split(spec)`` (digits: ``all``, the rest: ``train``); ``n`` keeps the
    first ``n`` examples of the split (a source that builds examples makes only those).
    """
    if not isinstance(spec, str) or not spec:
        raise DatasetError(f"Argument `dataset` must be a dataset name or a folder. Received: dataset={spec!r}")
    if n is not None and int(n) < 1:
        raise DatasetError(f"Argument `n` must be a positive number of examples. Received: n={n!r}")
    image_size = image_size or default_image_size(spec)
    split = split or default_split(spec)
    source, config = registered(spec)
    if source is not None:
        if source.splits and split not in source.splits:
            raise DatasetError(f"Argument `split` of dataset {spec!r} must be one of {', '.join(source.splits)}. Received: split={split!r}")
        extra = dict(split=split) if source.splits else {}
        extra.update(dict(config=config) if source.configs else {})
        extra.update(dict(n=n) if source.takes_n else {})
        data = source.loader(image_size=image_size, channels=channels, **extra)
    elif looks_like_path(spec):
        from gantk.data.folder import load_folder_images

        if split not in ("train", "all"):
            raise DatasetError(f"A folder dataset has one split, train (or all). Received: split={split!r}")
        data = load_folder_images(os.path.expanduser(spec), image_size=image_size, channels=channels or 3)
    else:
        from gantk.data.tfds_source import load_tfds_images

        data = load_tfds_images(spec, image_size=image_size, channels=channels, split=split, data_dir=data_dir, download=download)
    data = data if data.split else dataclasses.replace(data, split=split)
    return first_examples(data, n) if n is not None and n < data.num_examples else data


def dataset_names():
    """Names usable with ``--dataset`` besides folders and the whole tensorflow-datasets catalogue."""
    return sorted(builtin_sources())
