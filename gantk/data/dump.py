"""A dataset written to one ``.npz`` file, with a preview grid beside it, so a user sees what a run sees.

Keys: ``images`` uint8 ``[N, H, W, C]`` (or ``points`` float32 ``[N, D]`` for point data),
``labels`` int32 ``[N]`` and ``label_names`` ``[K]`` when the data is labelled, and what the source
adds: ``attributes`` int32 ``[N, A]``, ``attribute_names`` (a JSON object ``{attribute: [value
names]}`` whose keys are the columns of ``attributes``, in order) and ``captions`` ``[N]``. Every
value loads with ``numpy.load`` without pickles.
"""

import json
import os

import numpy as np

from gantk.files import atomic_path

from gantk.data.arrays import to_arrays
from gantk.images import save_images

PREVIEW_COUNT = 64


def dataset_arrays(data):
    """The arrays of ``data`` (an ``ImageData``) under the keys this module writes."""
    images, labels = to_arrays(data)
    arrays = {"points" if data.kind == "points" else "images": images}
    if labels is not None:
        arrays.update(labels=labels, label_names=np.asarray(data.label_names, dtype=str))
    if data.attributes is not None:
        arrays.update(attributes=np.asarray(data.attributes, np.int32), attribute_names=np.asarray(json.dumps(data.attribute_names)))
    if data.captions is not None:
        arrays["captions"] = np.asarray(data.captions, dtype=str)
    return arrays


def preview_path(path):
    return os.path.splitext(path)[0] + ".png"


def write_dataset(data, path):
    """Write ``data`` to ``path`` (``.npz``) and, for pictures, its first examples to ``preview_path(path)``.

    Both files are written under temporary names and renamed, so a failure leaves neither half-written.
    Returns ``(arrays, preview path or None)``.
    """
    arrays = dataset_arrays(data)
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
        preview = None
        if "images" in arrays:
            preview = save_images(arrays["images"][:PREVIEW_COUNT], preview_path(path))
    return arrays, preview
