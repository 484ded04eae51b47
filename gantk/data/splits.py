"""Fixed train/test splits of labelled data."""

import numpy as np

TEST_FRACTION = 0.25


def stratified_split(labels, test_fraction=TEST_FRACTION, seed=0):
    """``(train indices, test indices)`` of ``sklearn.model_selection.train_test_split``.

    ``test_size=test_fraction``, ``random_state=seed``, stratified by ``labels`` when every class
    has at least two examples. Indexing arrays with them gives exactly what ``train_test_split``
    gives on the arrays themselves.
    """
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    stratify = labels if np.bincount(labels).min() > 1 else None
    return train_test_split(np.arange(len(labels)), test_size=test_fraction, random_state=seed, stratify=stratify)


ALL_BEFORE_SPLITS = {"digits": 1797}
"""Bundled datasets whose runs, before the datasets had named splits, saved ``split: "train"``
while training on every example: the dataset and that number of examples."""


def subset(data, images, labels, name=None):
    """An in-memory ``ImageData`` like ``data`` holding only ``images`` and ``labels``."""
    import dataclasses

    import tensorflow as tf

    examples = {"image": images} if labels is None else {"image": images, "label": labels.astype(np.int32)}
    return dataclasses.replace(
        data, name=name or data.name, dataset=tf.data.Dataset.from_tensor_slices(examples), num_examples=len(images), stream=None,
    )


def saved_split(dataset, split, num_examples):
    """The split a saved run configuration means, in today's names.

    A run written before digits had splits says ``train`` with 1,797 examples: that is today's
    ``all``; a run that trained on today's ``train`` (1,347 examples) keeps its name.
    """
    if split == "train" and num_examples is not None and ALL_BEFORE_SPLITS.get(dataset) == num_examples:
        return "all"
    return split


def load_held_out(dataset, image_size, channels, data_dir=None):
    """The ``test`` split of ``dataset``, which training never sees: digits' fixed 450 images, shapes' or a
    tensorflow-datasets set's test split; a folder has none (one clear error)."""
    from gantk.data import load_dataset, looks_like_path, registered
    from gantk.errors import DatasetError

    source, _ = registered(dataset)
    if looks_like_path(dataset) or (source is not None and "test" not in source.splits):
        raise DatasetError(f"Dataset {dataset!r} has no held-out split; score it on labelled images with `gantk classify`.")
    return load_dataset(dataset, image_size=image_size, channels=channels, split="test", data_dir=data_dir)


def held_out_description(dataset):
    if dataset == "digits":
        return f"held-out {TEST_FRACTION:.0%} of digits (stratified, seed 0), never trained on"
    return f"the {dataset} test split"
