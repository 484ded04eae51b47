"""A classifier run (``ssgan``) applied to images: predictions, held-out accuracy and the inputs it accepts."""

import os

import numpy as np

from gantk.errors import ConfigError, DatasetError
from gantk.files import atomic_path
from gantk.pixels import HALF_RANGE, from_uint8

BATCH = 256


def require_classifier(config):
    from gantk import zoo

    if not zoo.get(config.variant).classifier:
        classifiers = ", ".join(name for name in zoo.names() if zoo.get(name).classifier)
        raise ConfigError(f"Run variant {config.variant!r} has no classifier; train one of: {classifiers}.")


def class_probabilities(gan, images, batch_size=BATCH):
    """Softmax over the K class logits of uint8 ``images`` ``[N, H, W, C]`` (inference mode)."""
    from keras import ops

    chunks = []
    for start in range(0, len(images), batch_size):
        x = from_uint8(images[start : start + batch_size])
        chunks.append(np.asarray(ops.softmax(gan.classify(x, training=False), axis=-1), np.float32))
    return np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32)


def as_uint8_images(array, config):
    """An array of images (``[N, H, W]`` or ``[N, H, W, C]``; uint8 0-255, float 0-1 or -1-1, or
    float 0-255) resized to the run's image shape, exactly as training data is."""
    from gantk.data.resize import square_uint8

    array = np.asarray(array)
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4 or array.shape[-1] not in (1, 2, 3, 4) or not len(array):
        raise DatasetError(f"Input images must be an array [N, H, W] or [N, H, W, C]. Received: shape {array.shape}")
    if array.dtype != np.uint8:
        array = array.astype(np.float64)
        if array.min() < 0:
            array = (array + 1.0) * HALF_RANGE
        elif array.max() <= 1.0:
            array = array * 255.0
        array = np.clip(np.rint(array), 0, 255).astype(np.uint8)
    return np.asarray(square_uint8(array, config.image_size, config.channels))


def read_inputs(path, config):
    """(uint8 images at the run's shape, names): from a ``.npy`` file of images or a folder of image files."""
    from gantk.data.folder import find_images, read_image

    if os.path.isdir(path):
        paths = find_images(path)[0]
        images = [read_image(p, config.image_size, config.channels) for p in paths]
        kept = [(p, image) for p, image in zip(paths, images) if image is not None]
        if not kept:
            raise DatasetError(f"Input folder {path!r} holds no readable image files.")
        return np.stack([image for _, image in kept]), [os.path.relpath(p, path) for p, _ in kept]
    if not path.endswith(".npy") or not os.path.isfile(path):
        raise DatasetError(f"Input must be a .npy file of images or a folder of image files. Received: {path!r}")
    images = as_uint8_images(np.load(path, allow_pickle=False), config)
    return images, [str(index) for index in range(len(images))]


def write_predictions(path, names, probabilities, label_names):
    """Predicted class indices as ``.npy``, or ``.csv`` rows (input, class index, class name, probability)."""
    predicted = probabilities.argmax(axis=1).astype(np.int32)
    if not path.endswith((".npy", ".csv")):
        raise ConfigError(f"Argument `out` must end in .npy or .csv. Received: out={path!r}")
    with atomic_path(path) as temporary:
        if path.endswith(".npy"):
            with open(temporary, "wb") as handle:
                np.save(handle, predicted)
        else:
            import csv

            with open(temporary, "w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["input", "label", "label_name", "probability"])
                for name, index, row in zip(names, predicted, probabilities):
                    writer.writerow([name, int(index), label_names[index] if label_names else str(index), f"{row[index]:.6f}"])
    return predicted


def held_out_accuracy(gan, config):
    """Accuracy on the dataset's held-out split (digits: the 450 images of ``gantk probe``'s split)."""
    from gantk.data.arrays import to_arrays
    from gantk.data.splits import load_held_out

    data = load_held_out(config.dataset, config.image_size, config.channels, config.data_dir)
    images, labels = to_arrays(data)
    predicted = class_probabilities(gan, images).argmax(axis=1)
    return dict(accuracy=float(np.mean(predicted == labels)), n_test=int(len(labels)), errors=int(np.sum(predicted != labels)))
