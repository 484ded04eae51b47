"""Feature extractors that turn uint8 images into the arrays ``gantk.metrics`` scores.

Two kinds, each describing itself (name, resizing, identity) so that every score records
how it was measured:

- ``inception``: InceptionV3 (Szegedy et al. 2016, arXiv:1512.00567) pool features, the 2048
  averages FID (Heusel et al. 2017) is defined on, with images resized to 299x299 bilinearly
  and scaled to [-1, 1]. The ImageNet weights come from the Keras cache, a download where
  there is internet, or a file given by the user; the class probabilities the Inception Score
  (Salimans et al. 2016) needs exist only with the classification top.
- ``classifier``: a small convolutional classifier gantk trains once on a labelled dataset at
  the run's image size and caches; its penultimate layer gives an in-domain Frechet distance
  (as FID is computed with a LeNet on MNIST) and its softmax an in-domain Inception Score,
  fully offline.
"""

import hashlib
import json
import math
import os
import time

import numpy as np

from gantk.data import dataset_key
from gantk.errors import GantkError
from gantk.files import atomic_path, default_cache_dir, write_json_atomically
from gantk.pixels import HALF_RANGE, from_uint8

INCEPTION_SIZE = 299
INCEPTION_HOST = "storage.googleapis.com"
INCEPTION_TOP_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_NOTOP_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
CLASSIFIER_FEATURES = 128
CLASSIFIER_SEED = 0
CLASSIFIER_EXAMPLE_PASSES = 30_000
"""The classifier trains for about this many examples (at least 2, at most 30 epochs)."""


class ExtractorError(GantkError):
    """An extractor that cannot be built: missing weights, unlabelled data, no class probabilities."""


class FeatureExtractor:
    """uint8 ``[N, H, W, C]`` images -> float32 features ``[N, D]`` (and class probabilities, if any).

    ``model`` maps float images (after ``prepare``) to ``features`` or ``[features, probabilities]``.
    """

    def __init__(self, kind, model, prepare, resize, identity, has_probabilities, details=None):
        self.kind = kind
        self.model = model
        self.prepare = prepare
        self.resize = resize
        self.identity = identity
        self.has_probabilities = has_probabilities
        self.details = dict(details or {})

    def describe(self):
        """What a score must record about how its features were made."""
        return dict(extractor=self.kind, extractor_id=self.identity, resize=self.resize, **self.details)

    def extract(self, images, with_probabilities=False, batch_size=100):
        """``(features, probabilities or None)`` of uint8 images, in batches."""
        if with_probabilities and not self.has_probabilities:
            raise ExtractorError(
                f"The {self.kind} extractor {self.identity} has no class probabilities, so it cannot give an "
                "Inception Score; use the Inception weights with the classification top or --extractor classifier."
            )
        images = np.asarray(images)
        features, probabilities = [], []
        for start in range(0, len(images), batch_size):
            outputs = self.model(self.prepare(images[start : start + batch_size]), training=False)
            if self.has_probabilities:
                features.append(np.asarray(outputs[0], np.float32))
                probabilities.append(np.asarray(outputs[1], np.float32))
            else:
                features.append(np.asarray(outputs, np.float32))
        features = np.concatenate(features)
        return features, (np.concatenate(probabilities) if with_probabilities else None)


# InceptionV3 -------------------------------------------------------------------------------


def keras_cache_file(name):
    """Where ``keras.utils.get_file`` keeps a downloaded application weights file."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "models", name)


def network_reachable():
    """Whether the Inception weights could be downloaded at all: one quick connection instead of slow retries."""
    from gantk.data.prepare import host_reachable

    return host_reachable(INCEPTION_HOST)


def missing_inception_message(with_top):
    needed = INCEPTION_TOP_FILE if with_top else INCEPTION_NOTOP_FILE
    return (
        f"The InceptionV3 ImageNet weights are not in the Keras cache ({keras_cache_file(needed)}) and "
        f"{INCEPTION_HOST} cannot be reached to download them; on a machine with internet fetch "
        f"{INCEPTION_URL}{needed} and pass it with --inception-weights FILE (or copy it into "
        f"{os.path.dirname(keras_cache_file(needed))}), or use --extractor classifier, which works offline."
    )


def inception_extractor(weights_file=None, with_top=False):
    """InceptionV3 pool features (and ImageNet class probabilities when the top is loaded).

    ``weights_file`` is a Keras InceptionV3 weights file, with or without the classification
    top (the top is detected). Without it the ImageNet weights are taken from the Keras cache
    or downloaded; ``with_top`` asks for the top (needed for the Inception Score).
    """
    import keras

    if weights_file is not None:
        model, has_top, identity = _inception_from_file(weights_file)
    else:
        name = INCEPTION_TOP_FILE if with_top else INCEPTION_NOTOP_FILE
        if not os.path.exists(keras_cache_file(name)) and not network_reachable():
            raise ExtractorError(missing_inception_message(with_top))
        try:
            model = _inception(keras, with_top, "imagenet")
        except Exception as error:  # noqa: BLE001 - any download failure becomes one clear message
            raise ExtractorError(f"{missing_inception_message(with_top)} ({type(error).__name__}: {error})") from None
        has_top, identity = with_top, f"inception-v3-imagenet{'' if with_top else '-notop'}"
    if has_top:
        model = keras.Model(model.input, [model.get_layer("avg_pool").output, model.output])
    return FeatureExtractor(
        kind="inception",
        model=model,
        prepare=_inception_prepare,
        resize=f"{INCEPTION_SIZE}x{INCEPTION_SIZE} bilinear, grayscale repeated to RGB, scaled to [-1, 1]",
        identity=identity,
        has_probabilities=has_top,
        details=dict(feature_layer="avg_pool (2048)"),
    )


def _inception(keras, with_top, weights):
    if with_top:
        return keras.applications.InceptionV3(include_top=True, weights=weights)
    return keras.applications.InceptionV3(include_top=False, weights=weights, pooling="avg")


def _inception_from_file(path):
    import keras

    if not os.path.isfile(path):
        raise ExtractorError(
            f"Argument `inception_weights` must be an existing InceptionV3 weights file (for example "
            f"{INCEPTION_NOTOP_FILE}). Received: inception_weights={path!r}"
        )
    digest = _file_digest(path)
    errors = []
    for with_top in (False, True) if "notop" in os.path.basename(path) else (True, False):
        try:
            return _inception(keras, with_top, path), with_top, f"inception-v3-file-{digest}"
        except Exception as error:  # noqa: BLE001 - a top file fails the no-top model and vice versa
            errors.append(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    raise ExtractorError(
        f"Argument `inception_weights` must be a Keras InceptionV3 weights file ({INCEPTION_TOP_FILE} or "
        f"{INCEPTION_NOTOP_FILE}); {path!r} fits neither ({'; '.join(errors)})."
    )


def _inception_prepare(images):
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    if images.shape[-1] == 1:
        images = tf.repeat(images, 3, axis=-1)
    resized = tf.image.resize(tf.cast(images, tf.float32), (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear")
    return resized / HALF_RANGE - 1.0


def _file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


# In-domain classifier ----------------------------------------------------------------------


def classifier_extractor(dataset, image_size, channels, split="train", data_dir=None, cache_dir=None, log=print):
    """The cached classifier for a labelled dataset at ``image_size`` x ``channels``, trained if missing.

    It is stored under ``<cache_dir>/classifiers/<dataset-split-HxWxC>/`` as ``classifier.keras``
    and ``classifier.json`` (held-out accuracy, training set size, identity).
    """
    import keras

    folder = os.path.join(cache_dir or default_cache_dir(), "classifiers", dataset_key(dataset, split, image_size, channels))

    def identify(info, saved_path):
        info["id"] = f"classifier-{dataset_key(dataset, split, image_size, channels)}-{_file_digest(saved_path)}"

    model, info = cached_keras_model(
        folder, "classifier", "classifier", lambda: train_classifier(dataset, image_size, channels, split, data_dir, log=log), identify
    )
    model_path = os.path.join(folder, "classifier.keras")
    features = keras.Model(model.input, [model.get_layer("features").output, model.output])
    return FeatureExtractor(
        kind="classifier",
        model=features,
        prepare=from_uint8,
        resize=f"none ({image_size}x{image_size}x{channels}, the run's own size)",
        identity=info["id"],
        has_probabilities=True,
        details=dict(
            feature_layer=f"features ({CLASSIFIER_FEATURES})",
            classifier_dataset=info["dataset"],
            classifier_accuracy=info["held_out_accuracy"],
            classifier_path=model_path,
        ),
    )


def cached_keras_model(folder, stem, what, train, on_saved=None):
    """``(model, info)`` from ``<folder>/<stem>.keras`` and ``<stem>.json``, or from ``train()`` then saved there.

    A cached model is loaded in Keras's safe mode; one that cannot be is refused in one sentence
    naming the folder to delete, never run. ``on_saved(info, path)`` may add to ``info`` what only
    the saved file tells (a digest) before ``info`` is written.
    """
    import keras

    model_path, info_path = os.path.join(folder, f"{stem}.keras"), os.path.join(folder, f"{stem}.json")
    if os.path.exists(model_path) and os.path.exists(info_path):
        try:
            with open(info_path) as handle:
                info = json.load(handle)
            return keras.saving.load_model(model_path, safe_mode=True), info
        except Exception as error:  # noqa: BLE001 - a damaged or crafted cache file is refused, never run
            detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ExtractorError(
                f"The cached {what} {model_path} cannot be loaded safely ({detail[:200]}); "
                f"delete {folder} so that it is trained again."
            ) from None
    model, info = train()
    with atomic_path(model_path) as temporary:
        model.save(temporary)
        if on_saved is not None:
            on_saved(info, temporary)
    write_json_atomically(info_path, info)
    return model, info


def build_classifier(image_shape, num_classes):
    """Two stride-2 convolution stages, global average pooling, a 128-unit ``features`` layer, softmax.

    The features are taken before their ReLU, so no unit is constantly zero and the covariance of
    a feature set stays non-singular.
    """
    import keras
    from keras import layers

    image = keras.Input(shape=tuple(image_shape), name="image")
    x = image
    for filters in (32, 64):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(CLASSIFIER_FEATURES, name="features")(x)
    x = layers.Dropout(0.3)(layers.ReLU()(x))
    probabilities = layers.Dense(num_classes, activation="softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(image, probabilities, name="gantk_classifier")


def train_classifier(dataset, image_size, channels, split="train", data_dir=None, log=print):
    """Train the classifier on the dataset's labelled ``split``, holding out 10% to report accuracy."""
    import keras
    from sklearn.model_selection import train_test_split

    from gantk.data import load_dataset
    from gantk.data.arrays import to_arrays

    data = load_dataset(dataset, image_size=image_size, channels=channels, split=split, data_dir=data_dir)
    if data.kind != "image" or not data.label_names:
        raise ExtractorError(
            f"Dataset {dataset!r} has no class labels, so gantk cannot train its in-domain classifier; "
            "use --extractor inception, or a folder whose images sit in one subfolder per class."
        )
    images, labels = to_arrays(data)
    x = from_uint8(images)
    x_train, x_test, y_train, y_test = train_test_split(
        x, labels, test_size=0.1, random_state=CLASSIFIER_SEED, stratify=labels if np.bincount(labels).min() > 1 else None
    )
    epochs = int(min(30, max(2, math.ceil(CLASSIFIER_EXAMPLE_PASSES / len(x_train)))))
    log(f"Training the {dataset} classifier for in-domain features ({len(x_train)} images, {epochs} epochs); it is cached.")
    keras.utils.set_random_seed(CLASSIFIER_SEED)
    model = build_classifier(images.shape[1:], len(data.label_names))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, verbose=0, shuffle=True)
    accuracy = float(np.mean(np.argmax(model.predict(x_test, batch_size=256, verbose=0), axis=1) == y_test))
    log(f"Classifier held-out accuracy {accuracy:.3f} ({time.perf_counter() - started:.0f} s).")
    info = dict(
        dataset=str(dataset), split=str(split), image_size=int(image_size), channels=int(images.shape[-1]),
        label_names=list(data.label_names), train_examples=int(len(x_train)), held_out_examples=int(len(x_test)),
        held_out_accuracy=round(accuracy, 4), epochs=epochs, seed=CLASSIFIER_SEED,
    )
    return model, info
