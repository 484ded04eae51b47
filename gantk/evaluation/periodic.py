"""Sample-quality metrics computed during training every ``--eval-every`` epochs.

Every evaluation logs the collapse statistic on ``EVAL_SAMPLES`` fresh samples. Image runs on
a labelled dataset add FID, KID and precision/recall from ``gantk.evaluation`` with the
in-domain classifier features (offline; the classifier is trained and cached on first use).
Other image runs add them with the ``eval_extractor`` option (``inception`` needs its weights;
``none`` keeps to the diversity statistic); ``eval_samples`` sets the sample count. Mode
coverage of 2-D runs is already in every epoch's record.
"""

import numpy as np

from gantk.errors import GantkError
from gantk.evaluation.sample_quality import evaluate_images
from gantk.training.collapse import mean_pairwise_distance, real_examples
from gantk.training.sampling import generate_images, sample_uint8

EVAL_SAMPLES = 1000
IMAGE_METRICS = ("fid", "kid", "pr")


def diversity_metrics(gan, config, data, n=EVAL_SAMPLES):
    """The collapse statistic on ``n`` samples (latents of seed + 1) against ``n`` real examples."""
    real = real_examples(data, n)
    fake = generate_images(gan, config, len(real), seed=config.seed + 1)
    return {"diversity": mean_pairwise_distance(fake) / mean_pairwise_distance(real)}


def image_metrics(gan, config, n, extractor, log):
    images = sample_uint8(gan, config, n, seed=config.seed + 1)
    scores, _ = evaluate_images(images, config, IMAGE_METRICS, extractor, n, log=log)
    return scores


class PeriodicMetrics:
    """Callable ``(gan) -> dict`` of numbers for the ``metrics/`` tags and ``history.jsonl``.

    If the feature extractor cannot be had (Inception offline without weights) the reason is
    logged once and later evaluations keep to the diversity statistic.
    """

    def __init__(self, config, data, log=print):
        self.config = config
        self.data = data
        self.log = log
        self.n = config.eval_samples
        self.extractor = config.eval_extractor or ("classifier" if config.label_names else None)
        if config.is_points or self.extractor == "none":
            self.extractor = None

    def __call__(self, gan):
        metrics = diversity_metrics(gan, self.config, self.data, min(self.n, 512))
        if self.extractor:
            try:
                metrics.update(image_metrics(gan, self.config, self.n, self.extractor, self.log))
            except GantkError as error:
                self.log(f"Warning: --eval-every logs only the diversity statistic: {error}")
                self.extractor = None
        return {name: float(np.asarray(value)) for name, value in metrics.items()}
