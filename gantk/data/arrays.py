"""A dataset held in memory: the first examples of an ``ImageData`` as numpy arrays."""

import numpy as np


def to_arrays(data, limit=None):
    """``(images, labels)`` of the first ``limit`` examples (all when ``None``), in dataset order.

    ``labels`` is ``None`` when the data has no labels; images keep their dtype (uint8 pictures).
    """
    dataset = data.dataset if limit is None else data.dataset.take(int(limit))
    images, labels = [], []
    for batch in dataset.batch(1024).as_numpy_iterator():
        images.append(batch["image"])
        if "label" in batch:
            labels.append(batch["label"])
    if not images:
        return np.zeros((0, *data.element_shape), np.uint8), None
    return np.concatenate(images), (np.concatenate(labels).astype(np.int32) if labels else None)
