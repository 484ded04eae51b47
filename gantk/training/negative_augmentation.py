"""Negative data augmentation (Sinha, Ayush, Song, Uzkent, Jin & Ermon 2021, "Negative Data
Augmentation", ICLR 2021, arXiv:2102.05113).

Real images changed so that they leave the data's support, shown to the discriminator as generated:
D then separates the data from a mixture of G's samples and these negatives, and the generator is
pushed away from what the negatives look like before it has to draw them. The paper's negatives
break the layout of natural photographs (jigsaw, stitching, cutout, mixup); the two offered here
are the faults of generators on flat-coloured shapes:

- ``blur``: the LAPGAN low-pass u(d(x)) (``gantk.nets.pyramid``), a picture whose edges are soft;
- ``mixup``: x and another picture of the batch blended with a weight drawn from U(1/4, 3/4),
  two half-transparent shapes whose colours mix (the paper's mixup negative).

With several kinds, each sample draws one of them with equal probability.
"""

from keras import ops

from gantk.nets.pyramid import downsample, upsample
from gantk.training.diff_augment import DiffAugment

MIXUP_RANGE = (0.25, 0.75)


class NegativeAugmentation:
    """Callable ``(gan, images) -> negatives`` for ``kinds``, one of ``gantk.options.NEGATIVE_AUGMENTATIONS``.

    Draws come from ``gan.seed_generator`` as DiffAugment's do, each replica taking its slice of one
    global draw (``gantk.replicas``); the mixup partner of a sample is the next one in its replica's batch.
    """

    def __init__(self, kinds):
        self.kinds = tuple(kinds.split(","))

    def __call__(self, gan, images):
        negatives = [getattr(self, kind)(gan, images) for kind in self.kinds]
        if len(negatives) == 1:
            return negatives[0]
        choice = ops.floor(DiffAugment.uniform(gan, images) * len(negatives))
        chosen = negatives[0]
        for index, negative in enumerate(negatives[1:], start=1):
            chosen = ops.where(choice == index, negative, chosen)
        return chosen

    @staticmethod
    def blur(gan, images):
        """u(d(x)): the picture at half the resolution, expanded again."""
        return upsample(downsample(images))

    @staticmethod
    def mixup(gan, images):
        """w x + (1 - w) x', x' the next picture of the batch, w ~ U(1/4, 3/4) per sample."""
        low, high = MIXUP_RANGE
        weight = low + (high - low) * DiffAugment.uniform(gan, images)
        return weight * images + (1.0 - weight) * ops.roll(images, 1, axis=0)

