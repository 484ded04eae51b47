"""The fixed held-out split of a dataset: what a classifier is scored on and never trains on.

For ``digits`` it is the split of ``gantk probe``: ``train_test_split(..., test_size=0.25,
stratify=labels, random_state=0)`` over the 1,797 images, 1,347 to train and 450 to test.
tensorflow-datasets sets have their own ``test`` split; other sources (folders, generated
shapes) have none.
"""

import numpy as np
import tensorflow as tf

from gantk.data.arrays import to_arrays
from gantk.errors import DatasetError

SPLITS = ("train", "test", "all")
TEST_FRACTION = 0.25
SPLIT_SEED = 0
IN_MEMORY_SPLITS = ("digits",)
"""Sources whose train/test split is cut here from one array (the others are split by their source)."""


def split_indices(labels, test_fraction=TEST_FRACTION, seed=SPLIT_SEED):
    """(train indices, test indices) of a stratified split, the same as ``train_test_split`` of the arrays."""
    from sklearn.model_selection import train_test_split

    indices = np.arange(len(labels))
    train, test = train_test_split(indices, test_size=test_fraction, random_state=seed, stratify=labels)
    return np.asarray(train), np.asarray(test)


def subset(data, images, labels, name=None):
    """An in-memory ``ImageData`` like ``data`` holding only ``images`` and ``labels``."""
    from dataclasses import replace

    examples = {"image": images} if labels is None else {"image": images, "label": labels.astype(np.int32)}
    return replace(data, name=name or data.name, dataset=tf.data.Dataset.from_tensor_slices(examples), num_examples=len(images))


def select_split(data, split):
    """``data`` (a digits ``ImageData``) cut to ``split``: ``train`` (1,347), ``test`` (450) or ``all``."""
    if split not in SPLITS:
        raise DatasetError(f"Argument `split` must be one of {', '.join(SPLITS)}. Received: split={split!r}")
    if split == "all":
        return data
    images, labels = to_arrays(data)
    train, test = split_indices(labels)
    chosen = train if split == "train" else test
    return subset(data, images[chosen], labels[chosen])


def training_split(dataset, data, split="train"):
    """The examples a classifier may learn from: for in-memory sources the ``train`` part of the fixed split."""
    return select_split(data, "train" if split in (None, "all") else split) if dataset in IN_MEMORY_SPLITS else data


def load_held_out(dataset, image_size, channels, data_dir=None):
    """The held-out split of ``dataset`` as an ``ImageData``: digits' fixed 450 images, a tfds ``test`` split."""
    from gantk.data import load_dataset, looks_like_path
    from gantk.data.registry import builtin_sources

    if dataset in IN_MEMORY_SPLITS:
        return select_split(load_dataset(dataset, image_size=image_size, channels=channels), "test")
    if dataset in builtin_sources() or looks_like_path(dataset):
        raise DatasetError(
            f"Dataset {dataset!r} has no held-out split; score it on labelled images with `gantk classify`."
        )
    return load_dataset(dataset, image_size=image_size, channels=channels, split="test", data_dir=data_dir)
