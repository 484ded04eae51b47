"""Does a shapes run draw shapes? Read its samples with a classifier of the real shapes' attributes.

The judge is a small convolutional network with one softmax head per attribute of the
``shapes`` dataset (kind, colour, size, position, background), trained once per image size on
the real train split and cached. A softmax network is confident about almost anything, so it
also learns to be unsure: a quarter of its training images are outliers (two pictures blended,
a picture with its tiles shuffled, noise) whose targets are uniform over every attribute
(outlier exposure, Hendrycks, Mazeika & Dietterich 2019). A sample then counts as a clean shape
when the judge gives one kind and one colour each a probability of at least 0.8: the bar of the
LAPGAN issue, read beside the real test pictures' own share.

    gantk shapes-check RUN_DIR [--n 1000] [--per-label 100] [--seed 0]
"""

import os
import time

import numpy as np

from gantk.data.shapes import (
    ATTRIBUTE_VALUES, ATTRIBUTES, DEFAULT_LABEL, HELD_OUT, IMAGE_SIZES, allowed_pairs, random_layout, render, shapes_arrays,
)
from gantk.errors import ConfigError
from gantk.evaluation.extractors import cached_keras_model
from gantk.files import default_cache_dir
from gantk.pixels import from_uint8

VERSION = 1
"""Bumped whenever the judge's network or training changes, so an old cache is never read as new."""
JUDGE_SEED = 17_003
TRAIN_EXAMPLES = 20_000
OUTLIER_SHARE = 0.25
EPOCHS = 20
JUDGE_SIZE = 32
"""The largest side the judge's convolutions see."""
TEST_EXAMPLES = 5_000
THRESHOLD = 0.8
CLEAN = ("kind", "colour")
"""The attributes a clean shape must show with probability at least ``THRESHOLD``."""


def build_judge(image_size):
    """3x3 convolutions each followed by 2x2 max pooling, down to 4x4 (pictures over 32 pixels are
    first box-averaged to 32, as the dataset's supersampled renderer would draw them); a dense layer;
    a softmax head per attribute."""
    import keras
    from keras import layers

    image = keras.Input(shape=(image_size, image_size, 3), name="image")
    x, size = image, image_size
    if size > JUDGE_SIZE:
        x, size = layers.AveragePooling2D(size // JUDGE_SIZE)(x), JUDGE_SIZE
    filters = 32
    while size > 4:
        x = layers.MaxPooling2D()(layers.Conv2D(filters, 3, padding="same", activation="relu")(x))
        size, filters = size // 2, 2 * filters
    x = layers.Dense(256, activation="relu")(layers.Flatten()(x))
    heads = {name: layers.Dense(len(values), activation="softmax", name=name)(x) for name, values in ATTRIBUTE_VALUES.items()}
    return keras.Model(image, heads, name="shapes_judge")


def outliers(images, n, rng):
    """``n`` float images that show no single shape: blends of two pictures, tile-shuffled pictures, smooth noise."""
    size = images.shape[1]
    first, second = rng.integers(0, len(images), (2, n))
    kind = rng.integers(0, 3, n)
    out = 0.5 * (images[first] + images[second])
    tiles = 4
    step = size // tiles
    for i in np.flatnonzero(kind == 1):
        blocks = images[first[i]].reshape(tiles, step, tiles, step, 3).transpose(0, 2, 1, 3, 4).reshape(tiles * tiles, step, step, 3)
        blocks = blocks[rng.permutation(tiles * tiles)]
        out[i] = blocks.reshape(tiles, tiles, step, step, 3).transpose(0, 2, 1, 3, 4).reshape(size, size, 3)
    noisy = np.flatnonzero(kind == 2)
    coarse = rng.uniform(-1, 1, (len(noisy), 4, 4, 3)).astype(np.float32)
    out[noisy] = coarse.repeat(size // 4, axis=1).repeat(size // 4, axis=2)
    return out


def training_set(image_size, rng):
    """Real pictures of every (colour, kind) pair with one-hot targets, and outliers with uniform
    targets, shuffled. The pictures are drawn afresh by the dataset's renderer from the judge's seed,
    so the held-out pairs of the train split are among them and kind is never told by colour."""
    attributes, angles, jitter, _ = random_layout(TRAIN_EXAMPLES, rng, allowed_pairs("test"))
    real = from_uint8(render(attributes, angles, jitter, image_size))
    fake = outliers(real, int(TRAIN_EXAMPLES * OUTLIER_SHARE), rng)
    order = rng.permutation(len(real) + len(fake))
    targets = {}
    for column, name in enumerate(ATTRIBUTES):
        count = len(ATTRIBUTE_VALUES[name])
        one_hot = np.eye(count, dtype=np.float32)[attributes[:, column]]
        uniform = np.full((len(fake), count), 1.0 / count, np.float32)
        targets[name] = np.concatenate([one_hot, uniform])[order]
    return np.concatenate([real, fake])[order], targets


def read_with(model, images, batch_size=250):
    """``{attribute: probabilities [N, values]}`` of float images in [-1, 1]."""
    outputs = model.predict(np.asarray(images, np.float32), batch_size=batch_size, verbose=0)
    return {name: np.asarray(outputs[name]) for name in ATTRIBUTES}


def read_masks(probabilities, threshold=THRESHOLD):
    """``{attribute: mask}`` of the samples whose value of each ``CLEAN`` attribute the judge gives probability
    at least ``threshold``."""
    return {name: probabilities[name].max(axis=1) >= threshold for name in CLEAN}


def clean_mask(probabilities, threshold=THRESHOLD):
    return np.all(list(read_masks(probabilities, threshold).values()), axis=0)


def held_out_mask(attributes):
    kinds, colours = ATTRIBUTE_VALUES["kind"], ATTRIBUTE_VALUES["colour"]
    pairs = {(colours.index(colour), kinds.index(kind)) for colour, kind in HELD_OUT}
    kind_column, colour_column = ATTRIBUTES.index("kind"), ATTRIBUTES.index("colour")
    return np.array([(row[colour_column], row[kind_column]) in pairs for row in attributes])


def accuracies(probabilities, attributes):
    return {name: round(float(np.mean(probabilities[name].argmax(axis=1) == attributes[:, column])), 4) for column, name in enumerate(ATTRIBUTES)}


def judge_test_figures(model, image_size):
    """The judge on the real test split: accuracy per attribute (all, and on the held-out colour-kind
    pairs), the clean share of real pictures and of smooth noise."""
    pictures, attributes, _ = shapes_arrays("test", image_size, n=TEST_EXAMPLES)
    real = from_uint8(pictures)
    probabilities = read_with(model, real)
    held_out = held_out_mask(attributes)
    noise = outliers(real, 1000, np.random.default_rng(JUDGE_SEED + 1))
    return dict(
        test_examples=len(real),
        accuracy=accuracies(probabilities, attributes),
        held_out_pairs_accuracy=accuracies({k: v[held_out] for k, v in probabilities.items()}, attributes[held_out]),
        real_clean_share=round(float(np.mean(clean_mask(probabilities))), 4),
        outlier_clean_share=round(float(np.mean(clean_mask(read_with(model, noise)))), 4),
    )


def train_judge(image_size, log=print):
    import keras

    rng = np.random.default_rng(JUDGE_SEED)
    images, targets = training_set(image_size, rng)
    log(f"Training the shapes judge at {image_size}x{image_size} ({len(images)} pictures, {EPOCHS} epochs); it is cached.")
    started = time.perf_counter()
    keras.utils.set_random_seed(JUDGE_SEED)
    model = build_judge(image_size)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss={name: "categorical_crossentropy" for name in ATTRIBUTES})
    model.fit(images, targets, batch_size=64, epochs=EPOCHS, verbose=0, shuffle=False)
    info = dict(version=VERSION, image_size=image_size, train_examples=TRAIN_EXAMPLES, outlier_share=OUTLIER_SHARE,
                epochs=EPOCHS, seed=JUDGE_SEED, **judge_test_figures(model, image_size))
    log(f"Shapes judge: test accuracy {info['accuracy']}, real clean share {info['real_clean_share']:.3f} "
        f"({time.perf_counter() - started:.0f} s).")
    return model, info


def shapes_judge(image_size, cache_dir=None, log=print):
    """``(model, info)``: the judge for ``image_size`` pictures, from ``<cache>/shapes-judge/`` or trained now."""
    if image_size not in IMAGE_SIZES:
        raise ConfigError(f"The shapes judge reads pictures of {', '.join(map(str, IMAGE_SIZES))} pixels. Received: image_size={image_size!r}")
    folder = os.path.join(cache_dir or default_cache_dir(), "shapes-judge", f"v{VERSION}-{image_size}")
    if folder not in JUDGES:
        JUDGES[folder] = cached_keras_model(folder, "judge", "shapes judge", lambda: train_judge(image_size, log=log))
    return JUDGES[folder]


JUDGES = {}
"""Judges loaded in this process, by cache folder."""


def check_images(images):
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.shape[1] != images.shape[2]:
        raise ConfigError(f"The shapes judge reads square RGB images [N, S, S, 3]. Received: shape={images.shape}")
    return images


def read_attributes(images, cache_dir=None, log=print):
    """``{attribute: probabilities [N, values]}`` of float RGB images in [-1, 1] (uint8 pictures are scaled)."""
    images = check_images(images)
    if images.dtype == np.uint8:
        images = from_uint8(images)
    model, _ = shapes_judge(int(images.shape[1]), cache_dir, log)
    return read_with(model, images)


def attribute_accuracy(images, attributes, cache_dir=None, log=print):
    """``{attribute: accuracy}``: how often the judge reads each of ``attributes`` [N, 5] (columns in ``ATTRIBUTES`` order)."""
    return accuracies(read_attributes(images, cache_dir, log), np.asarray(attributes))


def sample_confidence(images, threshold=THRESHOLD, cache_dir=None, log=print):
    """How the judge reads unlabelled samples: the clean share (one kind and one colour with probability
    at least ``threshold``) beside the real test pictures' share, its two parts (``read_share``: the
    share read as one kind, and as one colour, at that probability), and the samples per value of every
    attribute (the training split draws sizes, positions and backgrounds uniformly, so a background
    that no sample has is a dropped mode the clean share does not see)."""
    return confidence_figures(read_attributes(images, cache_dir, log), int(np.asarray(images).shape[1]), threshold, cache_dir, log)


def confidence_figures(probabilities, image_size, threshold=THRESHOLD, cache_dir=None, log=print):
    """``sample_confidence`` of attribute probabilities the judge for ``image_size`` has already read."""
    _, info = shapes_judge(image_size, cache_dir, log)
    counts = {
        f"samples_per_{name}": dict(zip(values, np.bincount(probabilities[name].argmax(axis=1), minlength=len(values)).tolist()))
        for name, values in ATTRIBUTE_VALUES.items()
    }
    return dict(
        clean_share=round(float(np.mean(clean_mask(probabilities, threshold))), 4),
        read_share={name: round(float(np.mean(mask)), 4) for name, mask in read_masks(probabilities, threshold).items()},
        real_clean_share=info["real_clean_share"] if threshold == THRESHOLD else None,
        threshold=threshold,
        **counts,
        judge_test_accuracy=info["accuracy"],
    )


def label_attribute(config):
    """The attribute a shapes run is labelled by (``shapes/colour`` -> ``colour``)."""
    _, _, attribute = config.dataset.partition("/")
    return attribute or DEFAULT_LABEL


def check_shapes_run(config):
    if config.dataset.split("/")[0] != "shapes" or config.is_points or config.channels != 3:
        raise ConfigError(f"The shapes check needs an RGB run on the shapes dataset. Received: {config.variant} on {config.dataset}")


def check_run(run, n=1000, per_label=100, seed=0, log=print):
    """The shapes check of a loaded ``Run``: the clean share, and for a conditional run also how often
    the judge reads the asked label."""
    from gantk.training.sampling import generate_images

    check_shapes_run(run.config)
    if not run.gan.conditional:
        return sample_confidence(generate_images(run.gan, run.config, n, seed=seed), log=log)
    labels = np.repeat(np.arange(run.config.num_classes, dtype=np.int32), per_label)
    images = generate_images(run.gan, run.config, len(labels), seed=seed, labels=labels)
    attribute = label_attribute(run.config)
    probabilities = read_attributes(images, log=log)
    result = confidence_figures(probabilities, int(images.shape[1]), log=log)
    predicted = probabilities[attribute].argmax(axis=1)
    result[f"{attribute}_accuracy"] = round(float(np.mean(predicted == labels)), 4)
    return result
