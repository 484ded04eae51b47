"""Score a run's samples against its dataset: FID, KID, precision/recall and IS with a recorded protocol.

The generated images are ``n`` samples for the fixed latents ``latent_vectors(n, latent_dim,
seed)`` (balanced class labels for conditional runs); the reference is the first ``n`` images
of the run's dataset split, at the run's size. Reference features are cached per dataset,
split, size, extractor and count, so repeated evaluations only extract the generated images.
Every result carries its protocol: extractor and its identity, resizing, sample counts,
reference split, seed and checkpoint step.
"""

import os
import re

import numpy as np

from gantk.errors import GantkError
from gantk.metrics import (
    CONFIDENT,
    confident_fraction,
    feature_statistics,
    frechet_distance_from_statistics,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)
from gantk.evaluation.extractors import dataset_key
from gantk.files import atomic_path, default_cache_dir

METRICS = ("fid", "kid", "pr", "is")
EXTRACTORS = ("inception", "classifier")
KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000
PR_NEIGHBOURS = 3
IS_SPLITS = 10


def parse_metrics(text):
    """``"fid,kid"`` -> ``("fid", "kid")``; every name must be one of ``METRICS``."""
    names = tuple(dict.fromkeys(part.strip().lower() for part in str(text).split(",") if part.strip()))
    unknown = [name for name in names if name not in METRICS]
    if not names or unknown:
        raise GantkError(f"Argument `metrics` must be a comma-separated list from {', '.join(METRICS)}. Received: metrics={text!r}")
    return names


def default_extractor(config):
    """The in-domain classifier for labelled datasets (works offline), Inception otherwise."""
    return "classifier" if config.label_names else "inception"


def make_extractor(name, config, inception_weights=None, with_probabilities=False, cache_dir=None, log=print):
    from gantk.evaluation.extractors import classifier_extractor, inception_extractor

    if name == "inception":
        return inception_extractor(weights_file=inception_weights, with_top=with_probabilities)
    if name == "classifier":
        return classifier_extractor(
            config.dataset, config.image_size, config.channels, split=config.split,
            data_dir=config.data_dir, cache_dir=cache_dir, log=log,
        )
    raise GantkError(f"Argument `extractor` must be one of {', '.join(EXTRACTORS)}. Received: extractor={name!r}")


def reference_features(extractor, config, n, cache_dir=None, with_probabilities=False, log=print):
    """``(features, probabilities or None, count, cache file)`` of the first ``n`` images of the run's split."""
    key = dataset_key(config.dataset, config.split, config.image_size, config.channels)
    folder = os.path.join(cache_dir or default_cache_dir(), "reference")
    safe_id = re.sub(r"[^A-Za-z0-9_.-]+", "_", extractor.identity)
    path = os.path.join(folder, f"{key}-{safe_id}-n{int(n)}.npz")
    if os.path.exists(path):
        with np.load(path) as stored:
            if not with_probabilities or "probabilities" in stored.files:
                probabilities = stored["probabilities"] if "probabilities" in stored.files else None
                return stored["features"], probabilities, int(stored["features"].shape[0]), path
    from gantk.data import load_dataset
    from gantk.data.arrays import to_arrays

    data = load_dataset(
        config.dataset, image_size=config.image_size, channels=config.channels,
        split=config.split, data_dir=config.data_dir,
    )
    images, _ = to_arrays(data, limit=n)
    log(f"Extracting reference features of {len(images)} {config.dataset} images ({extractor.kind}); they are cached.")
    features, probabilities = extractor.extract(images, with_probabilities=extractor.has_probabilities)
    os.makedirs(folder, exist_ok=True)
    arrays = dict(features=features)
    if probabilities is not None:
        arrays["probabilities"] = probabilities
    with atomic_path(path) as temporary:
        np.savez(temporary, **arrays)
    return features, probabilities, len(images), path


def score_features(metrics, real_features, fake_features, fake_probabilities=None, real_probabilities=None):
    """The requested scores of fake against real features, as a flat dict of floats."""
    scores = {}
    if "fid" in metrics:
        scores["fid"] = frechet_distance_from_statistics(*feature_statistics(real_features), *feature_statistics(fake_features))
    if "kid" in metrics:
        kid = kernel_inception_distance(real_features, fake_features, num_subsets=KID_SUBSETS, subset_size=KID_SUBSET_SIZE)
        scores["kid"], scores["kid_std"] = kid.mean, kid.std
    if "pr" in metrics:
        pr = precision_recall(real_features, fake_features, k=PR_NEIGHBOURS)
        scores["precision"], scores["recall"] = pr.precision, pr.recall
    if "is" in metrics:
        score = inception_score(fake_probabilities, splits=min(IS_SPLITS, len(fake_probabilities)))
        scores["is"], scores["is_std"] = score.mean, score.std
        scores["confident"] = confident_fraction(fake_probabilities)
        if real_probabilities is not None:
            real = inception_score(real_probabilities, splits=min(IS_SPLITS, len(real_probabilities)))
            scores["is_real"] = real.mean
            scores["confident_real"] = confident_fraction(real_probabilities)
    return {name: float(value) for name, value in scores.items()}


def evaluate_images(images, config, metrics=METRICS, extractor="classifier", n=None, inception_weights=None, cache_dir=None, log=print):
    """Score uint8 ``images`` against the reference of ``config``'s dataset; returns ``(scores, protocol)``."""
    metrics = parse_metrics(metrics if isinstance(metrics, str) else ",".join(metrics))
    images = np.asarray(images)
    n = int(n or len(images))
    model = make_extractor(extractor, config, inception_weights, "is" in metrics, cache_dir, log)
    if "is" in metrics and not model.has_probabilities:
        raise GantkError(
            "The Inception Score needs class probabilities, but the Inception weights file has no classification "
            "top; pass the full weights file or use --extractor classifier."
        )
    real, real_probabilities, n_real, _ = reference_features(model, config, n, cache_dir, "is" in metrics, log)
    fake, fake_probabilities = model.extract(images, with_probabilities="is" in metrics)
    scores = score_features(metrics, real, fake, fake_probabilities, real_probabilities)
    protocol = dict(
        model.describe(),
        n_fake=int(len(images)),
        n_real=int(n_real),
        reference=dict(dataset=config.dataset, split=config.split, image_size=config.image_size, channels=config.channels),
        metrics=list(metrics),
        kid=dict(subsets=KID_SUBSETS, subset_size=min(KID_SUBSET_SIZE, n_real, len(images))) if "kid" in metrics else None,
        pr_neighbours=PR_NEIGHBOURS if "pr" in metrics else None,
        is_splits=min(IS_SPLITS, len(images)) if "is" in metrics else None,
    )
    return scores, {k: v for k, v in protocol.items() if v is not None}


def noise_images(n, image_shape, seed=0):
    """Uniform uint8 noise of ``image_shape``: the baseline every generator must beat."""
    return np.random.default_rng(seed).integers(0, 256, size=(int(n), *image_shape), dtype=np.uint8)


def format_table(result):
    """The scores and their protocol as aligned ``name  value`` lines."""
    scores, rows = result.get("scores", {}), []
    if "fid" in scores:
        rows.append(("FID", f"{scores['fid']:.3f}"))
    if "kid" in scores:
        rows.append(("KID", f"{scores['kid']:.5f} +- {scores['kid_std']:.5f} (std over subsets)"))
    for name in ("precision", "recall"):
        if name in scores:
            rows.append((name, f"{scores[name]:.4f}"))
    if "is" in scores:
        real = f"; real images {scores['is_real']:.3f}" if "is_real" in scores else ""
        rows.append(("IS", f"{scores['is']:.3f} +- {scores['is_std']:.3f}{real}"))
    if "confident" in scores:
        real = f"; real images {scores['confident_real']:.3f}" if "confident_real" in scores else ""
        rows.append((f"confident (p >= {CONFIDENT})", f"{scores['confident']:.3f}{real}"))
    if "accuracy" in scores:
        rows.append(("held-out accuracy", f"{scores['accuracy']:.4f} ({scores['errors']} errors in {scores['n_test']})"))
    for name, label in (("negative_elbo", "held-out -ELBO"), ("reconstruction_nll", "held-out reconstruction NLL")):
        if name in scores:
            rows.append((label, f"{scores[name]:.2f} nats per image ({scores['n_test']} images)"))
    if "modes_covered" in scores:
        rows.append(("modes covered", f"{scores['modes_covered']} / {scores['modes_total']}"))
        rows.append(("high quality", f"{scores['high_quality_fraction']:.4f}"))
    for name, value in result.get("protocol", {}).items():
        if name in ("metrics", "classifier_path"):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        rows.append((name.replace("_", " "), str(value)))
    width = max((len(label) for label, _ in rows), default=0)
    return "\n".join(f"{label.ljust(width)}  {text}" for label, text in rows)
