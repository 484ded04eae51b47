"""Differentiable augmentation of what the discriminator sees (Zhao, Liu, Lin, Zhu & Han 2020,
"Differentiable Augmentation for Data-Efficient GAN Training", arXiv:2006.10738).

The same family of random transformations is applied to the real and to the generated images,
in the discriminator's update and in the generator's, and every transformation is differentiable,
so the generator learns through it. Augmenting only the real images would teach G to draw the
augmentations; augmenting both leaves the distribution G must match unchanged, while D can no
longer memorise exact pixels: it has to tell real from fake by what survives a shift, a hole or a
change of colour. The three transformations and their strengths are the paper's (its released
``DiffAugment`` code): colour (brightness, saturation, contrast), translation by up to 1/8 of the
image with zero padding, and cutout of a square half the image's side.
"""

import keras
from keras import ops

from gantk.replicas import replica_slice

TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


class DiffAugment:
    """Callable ``(gan, images) -> images`` applying ``policy`` per sample: one of
    ``gantk.options.DIFF_AUGMENT_POLICIES``, e.g. ``"translation,cutout"``.

    Each sample draws its own transformation from ``gan.seed_generator``; each replica takes its
    slice of one global draw (``gantk.replicas``), so the draws do not depend on the replica count.
    """

    def __init__(self, policy):
        self.policy = tuple(policy.split(","))

    def __call__(self, gan, images):
        for name in self.policy:
            images = getattr(self, name)(gan, images)
        return images

    @staticmethod
    def uniform(gan, images):
        """One U(0, 1) per sample, shaped to broadcast over ``images``."""
        values = replica_slice(lambda n: keras.random.uniform((n, 1, 1, 1), seed=gan.seed_generator), ops.shape(images)[0])
        return ops.cast(values, images.dtype)

    @staticmethod
    def offsets(gan, images, low, high):
        """Per-sample integer (row, column) offsets drawn uniformly from [low, high)."""
        size = ops.shape(images)[0]
        values = replica_slice(lambda n: keras.random.randint((n, 2), low, high, seed=gan.seed_generator), size)
        return values[:, 0], values[:, 1]

    def flip(self, gan, images):
        """Each sample mirrored left to right with probability 1/2 (not a DiffAugment policy: consistency
        regularization's transformation, ``gantk.regularizers.balanced_consistency``)."""
        mirrored = self.uniform(gan, images) < 0.5
        return ops.where(mirrored, ops.flip(images, axis=2), images)

    def color(self, gan, images):
        """Brightness +U(-0.5, 0.5), saturation x U(0, 2), contrast x U(0.5, 1.5), each per sample."""
        images = images + (self.uniform(gan, images) - 0.5)
        mean = ops.mean(images, axis=3, keepdims=True)
        images = (images - mean) * (self.uniform(gan, images) * 2.0) + mean
        mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
        return (images - mean) * (self.uniform(gan, images) + 0.5) + mean

    def translation(self, gan, images):
        """Each sample shifted by up to 1/8 of its side along each axis, the uncovered border zero."""
        height, width = images.shape[1], images.shape[2]
        reach = int(height * TRANSLATION_RATIO + 0.5)
        rows, columns = self.offsets(gan, images, -reach, reach + 1)
        row_shift = shift_matrices(rows, height, images.dtype)
        column_shift = shift_matrices(columns, width, images.dtype)
        images = ops.einsum("nik,nkjc->nijc", row_shift, images)
        return ops.einsum("njk,nikc->nijc", column_shift, images)

    def cutout(self, gan, images):
        """A square of half the side, centred anywhere in the image (clipped at its edges), set to zero."""
        height, width = images.shape[1], images.shape[2]
        side = int(height * CUTOUT_RATIO + 0.5)
        rows, columns = self.offsets(gan, images, 0, height + (1 - side % 2))
        keep = 1.0 - ops.einsum("ni,nj->nij", band(rows - side // 2, side, height), band(columns - side // 2, side, width))
        return images * ops.cast(keep, images.dtype)[..., None]


def shift_matrices(shifts, size, dtype):
    """[N, size, size] matrices S with (S x)[i] = x[i - shift], zero where i - shift falls outside."""
    positions = ops.arange(size)[None, :] - ops.cast(shifts, "int32")[:, None]
    return ops.one_hot(positions, size, dtype=dtype)


def band(starts, length, size):
    """[N, size] floats: 1 at positions start <= i < start + length, else 0."""
    positions = ops.arange(size)[None, :]
    starts = ops.cast(starts, "int32")[:, None]
    return ops.cast((positions >= starts) & (positions < starts + length), "float32")


def diff_augment(config):
    """The run's ``DiffAugment``, or None when ``diff_augment`` is not set."""
    return DiffAugment(config.diff_augment) if config.diff_augment else None
