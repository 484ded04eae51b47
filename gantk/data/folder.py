"""A folder of the user's own images, searched recursively.

First-level subfolder names become labels when every image sits in one, as Keras'
``image_dataset_from_directory`` does. Unreadable files are skipped and counted in one warning.
"""

import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf

from gantk.data.source import ImageData
from gantk.errors import DatasetError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def find_images(folder):
    """Sorted image paths under ``folder`` and, when all lie in subfolders, their label names."""
    paths = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs.sort()
        paths.extend(os.path.join(root, f) for f in sorted(files) if f.lower().endswith(IMAGE_EXTENSIONS))
    relative = [os.path.relpath(p, folder).split(os.sep) for p in paths]
    if paths and all(len(parts) > 1 for parts in relative):
        names = sorted({parts[0] for parts in relative})
        if len(names) > 1:
            index = {name: i for i, name in enumerate(names)}
            return paths, [index[parts[0]] for parts in relative], names
    return paths, None, None


def read_image(path, size, channels):
    """Decode one file with Pillow, centre-crop to a square and resize; None when it is unreadable."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.seek(0)
            image = image.convert("L" if channels == 1 else "RGB")
            side = min(image.size)
            left, top = (image.width - side) // 2, (image.height - side) // 2
            image = image.crop((left, top, left + side, top + side))
            image = image.resize((size, size), Image.Resampling.LANCZOS)
            array = np.asarray(image, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return array.reshape(size, size, channels)


def load_folder_images(folder, image_size=64, channels=3):
    """Every readable image under ``folder`` as uint8 ``[image_size, image_size, channels]``."""
    if not os.path.isdir(folder):
        raise DatasetError(f"Dataset folder {folder!r} does not exist or is not a directory.")
    paths, labels, names = find_images(folder)
    if not paths:
        raise DatasetError(
            f"Dataset folder {folder!r} holds no image files ({', '.join(IMAGE_EXTENSIONS)}), searched recursively."
        )
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        decoded = list(pool.map(lambda p: read_image(p, image_size, channels), paths))
    keep = [i for i, image in enumerate(decoded) if image is not None]
    skipped = len(paths) - len(keep)
    if not keep:
        raise DatasetError(f"Dataset folder {folder!r} has {len(paths)} image files but none could be read.")
    if skipped:
        examples = ", ".join(os.path.relpath(paths[i], folder) for i in range(len(paths)) if decoded[i] is None)
        warnings.warn(f"Skipped {skipped} unreadable or corrupt image file(s) in {folder!r}: {examples[:300]}", stacklevel=2)
    images = np.stack([decoded[i] for i in keep])
    elements = {"image": images}
    if labels is not None:
        elements["label"] = np.asarray([labels[i] for i in keep], dtype=np.int32)
    return ImageData(
        name=os.path.abspath(folder),
        dataset=tf.data.Dataset.from_tensor_slices(elements),
        num_examples=len(keep),
        element_shape=(image_size, image_size, channels),
        label_names=names,
    )
