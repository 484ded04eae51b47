"""Are a digits run's samples digits? Read them with a classifier fitted on the real digits.

A support-vector classifier (RBF kernel) is fitted on the real 8x8 scikit-learn digits;
generated images are block-averaged back to 8x8 on the digits' 0-16 scale.

- Conditional run (the MNIST experiment of Mirza & Osindero 2014): how often the class it
  predicts is the label the generator was given.
- Unconditional run: the fraction of samples the classifier labels confidently (probability of
  its class at least 0.8), beside the same fraction for real digits it did not see, and how
  many samples fall in each class (every class should appear).

    gantk digits-check RUN_DIR [--per-label 100] [--n 1000] [--seed 0]
"""

import functools
import warnings

import numpy as np

from gantk.errors import ConfigError
from gantk.metrics.confidence import CONFIDENT, confident_fraction


@functools.lru_cache(maxsize=1)
def digits_classifier():
    """An SVC (gamma 0.001, C 10) fitted on all real digits; about 99% accurate on held-out digits."""
    from sklearn.datasets import load_digits
    from sklearn.svm import SVC

    digits = load_digits()
    return SVC(gamma=0.001, C=10.0).fit(digits.data, digits.target)


@functools.lru_cache(maxsize=1)
def confidence_classifier():
    """(SVC with libsvm probabilities fitted on 75% of the real digits, the held-out 25% as
    (features, labels)).

    libsvm's probabilities (Platt scaling of each pair of classes, then pairwise coupling;
    Wu, Lin & Weng 2004) stay near uniform far from the data: uniform noise is 0% confident.
    scikit-learn 1.9 deprecates ``probability=True`` for one-vs-rest calibration, which calls
    95% of that noise confident, so the libsvm estimate is kept while scikit-learn has it.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC

    digits = load_digits()
    train_x, test_x, train_y, test_y = train_test_split(digits.data, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*probability.*deprecated", category=FutureWarning)
        classifier = SVC(gamma=0.001, C=10.0, probability=True, random_state=0).fit(train_x, train_y)
    return classifier, (test_x, test_y)


def to_digit_features(images):
    """[N, H, W, C] images in [-1, 1] -> [N, 64] features on the digits' 0-16 scale (8x8 block means)."""
    images = np.asarray(images, dtype=np.float64)
    n, height, width, _ = images.shape
    if height % 8 or width % 8:
        raise ConfigError(f"Argument `images` must have sides that are multiples of 8. Received: shape={images.shape}")
    gray = images.mean(axis=-1)
    blocks = gray.reshape(n, 8, height // 8, 8, width // 8).mean(axis=(2, 4))
    return ((blocks + 1.0) * 8.0).reshape(n, 64)


def label_accuracy(images, labels):
    """``dict(accuracy, per_label)``: the fraction of ``images`` the real-digit classifier reads as ``labels``."""
    labels = np.asarray(labels)
    predicted = digits_classifier().predict(to_digit_features(images))
    per_label = {int(k): float(np.mean(predicted[labels == k] == k)) for k in np.unique(labels)}
    return dict(accuracy=float(np.mean(predicted == labels)), per_label=per_label)


def sample_confidence(images, threshold=CONFIDENT):
    """How a classifier of real digits reads unlabelled ``images``: ``dict(confident_fraction,
    real_confident_fraction, class_counts, classes_seen)``."""
    classifier, (real_x, _) = confidence_classifier()
    probabilities = classifier.predict_proba(to_digit_features(images))
    counts = np.bincount(probabilities.argmax(axis=1), minlength=10)
    return dict(
        confident_fraction=confident_fraction(probabilities, threshold),
        real_confident_fraction=confident_fraction(classifier.predict_proba(real_x), threshold),
        class_counts=[int(c) for c in counts],
        classes_seen=int(np.count_nonzero(counts)),
        threshold=threshold,
    )


def check_digits_run(config):
    if config.dataset != "digits" or config.is_points:
        raise ConfigError(f"The digits check needs a run on the digits dataset. Received: {config.variant} on {config.dataset}")


def unconditional_confidence(gan, config, n=1000, seed=0):
    """Draw ``n`` images from an unconditional digits run and read them with ``sample_confidence``."""
    from gantk.training.sampling import generate_images

    check_digits_run(config)
    return sample_confidence(generate_images(gan, config, n, seed=seed))


def conditional_accuracy(gan, config, per_label=100, seed=0):
    """Draw ``per_label`` images for each digit from a conditional run and check their classes."""
    from gantk.training.sampling import generate_images

    check_digits_run(config)
    labels = np.repeat(np.arange(config.num_classes, dtype=np.int32), per_label)
    images = generate_images(gan, config, len(labels), seed=seed, labels=labels)
    return label_accuracy(images, labels)


def check_run(run, n=1000, per_label=100, seed=0):
    """The digits check of a loaded ``Run``: label accuracy when conditional, else the confident share."""
    if run.gan.conditional:
        return conditional_accuracy(run.gan, run.config, per_label, seed)
    return unconditional_confidence(run.gan, run.config, n, seed)
