"""A few labelled examples and many unlabelled ones, drawn from one training split (Salimans et al. 2016, section 5).

``draw_labeled`` picks ``per_class`` examples of every class with ``numpy.random.default_rng(seed)``,
so a run's seed fixes its labelled subset; the other examples of the split (or, with
``unlabeled="all"``, every example, as the code of Salimans et al. does) are used without their
labels. ``semi_supervised_batches`` zips a seeded, resumable stream of unlabelled batches with one
of labelled batches (the labelled set repeated as often as one step needs).
"""

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from gantk.data.arrays import to_arrays
from gantk.data.pipeline import training_batches
from gantk.data.source import ImageData
from gantk.data.splits import subset
from gantk.errors import ConfigError, DatasetError


@dataclass
class SemiSupervisedData(ImageData):
    """The unlabelled examples (``dataset``, ``num_examples``) with the labelled set beside them."""

    labeled: ImageData = None
    labeled_indices: list = None
    """Positions of the labelled examples in the training split."""
    labeled_per_class: int = None
    seed: int = None
    unlabeled_source: str = "rest"

    def record(self):
        """What the run's ``data.json`` keeps: which examples of the training split were labelled."""
        return dict(
            labeled_per_class=self.labeled_per_class, seed=self.seed, labeled=len(self.labeled_indices),
            unlabeled=self.num_examples, unlabeled_source=self.unlabeled_source, labeled_indices=self.labeled_indices,
            note="Positions in the training split (for digits, the 1,347 images of the fixed 75/25 split of gantk probe).",
        )


def draw_labeled(labels, per_class, seed):
    """Sorted indices of ``per_class`` examples of each class, a pure function of ``labels`` and ``seed``."""
    rng = np.random.default_rng(int(seed))
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < per_class:
            raise ConfigError(
                f"Option `labeled_per_class` must be at most {len(members)}, the examples of class {label}. "
                f"Received: labeled_per_class={per_class}"
            )
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def labeled_wording(count, per_class, seed, stream_is_everything):
    """How the data summary words the labelled subset and the unlabelled stream."""
    drawn = "every example" if per_class is None else f"{per_class} per class, drawn with seed {seed}"
    stream = "every example" if stream_is_everything else "the other examples"
    return f"{count} labelled ({drawn}); the unlabelled stream is {stream}"


def split_labeled(data, per_class, seed, unlabeled="rest"):
    """``SemiSupervisedData`` of a labelled training split: ``per_class`` labels each (None: every example
    labelled); the unlabelled stream is the ``rest`` of the split or ``all`` of it."""
    if not data.label_names:
        raise DatasetError(f"Semi-supervised training needs a labelled dataset; {data.name!r} has no labels.")
    images, labels = to_arrays(data)
    if unlabeled not in ("rest", "all"):
        raise ConfigError(f"Option `unlabeled` must be one of rest, all. Received: unlabeled={unlabeled!r}")
    everything = np.arange(len(labels))
    labeled = everything if per_class is None else draw_labeled(labels, int(per_class), seed)
    plain = everything if unlabeled == "all" else np.setdiff1d(everything, labeled)
    if not len(plain):
        plain = everything
    rest = subset(data, images[plain], None)
    return SemiSupervisedData(
        name=data.name, dataset=rest.dataset, num_examples=rest.num_examples, element_shape=data.element_shape,
        label_names=data.label_names, kind=data.kind, split=data.split,
        summary=dict(data.summary or {}, labeled=labeled_wording(len(labeled), per_class, seed, len(plain) == len(everything))),
        labeled=subset(data, images[labeled], labels[labeled]), labeled_indices=labeled.tolist(),
        labeled_per_class=per_class, seed=int(seed), unlabeled_source=unlabeled,
    )


def semi_supervised_batches(data, examples_per_step, seed=0, start_step=0):
    """Batches ``{"image", "labeled_image", "labeled_label"}`` of ``examples_per_step`` examples each.

    Both streams are ``training_batches``, so the batches are a pure function of the seed and the
    step and a resumed run sees what an uninterrupted one would.
    """
    labeled = data.labeled
    copies = math.ceil(examples_per_step / labeled.num_examples)
    if copies > 1:
        labeled = subset(labeled, *_repeat(labeled, copies))
    unlabeled = training_batches(data, examples_per_step, seed=seed, start_step=start_step)
    labeled = training_batches(labeled, examples_per_step, seed=seed + 1, start_step=start_step)

    def merge(plain, known):
        return {"image": plain["image"], "labeled_image": known["image"], "labeled_label": known["label"]}

    return tf.data.Dataset.zip(unlabeled, labeled).map(merge).prefetch(tf.data.AUTOTUNE)


def _repeat(data, copies):
    images, labels = to_arrays(data)
    return np.concatenate([images] * copies), np.concatenate([labels] * copies)
