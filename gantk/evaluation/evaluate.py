"""``gantk evaluate``: a run's latest checkpoint scored as images (FID, KID, P/R, IS) or as 2-D points (modes)."""

import os

from gantk.data.splits import held_out_description
from gantk.files import write_json_atomically
from gantk.training import run_dir as layout

DEFAULT_JSON = "evaluation.json"
POINTS_PLOT = "evaluation-points.png"


def evaluate_run(run_dir, metrics=None, n=10000, extractor=None, seed=0, inception_weights=None, cache_dir=None, plot=None, log=print):
    """Evaluate ``run_dir``; returns ``dict(run, variant, dataset, kind, scores, protocol)``."""
    from gantk.training import points
    from gantk.training.run import load_run

    run = load_run(run_dir)
    config, gan, step = run.config, run.gan, run.step
    result = dict(run=os.path.abspath(run_dir), variant=config.variant, dataset=config.dataset)
    held_out = held_out_scores(gan, config)
    if held_out and not metrics:
        return dict(result, kind="held-out", scores=held_out, protocol=dict(split=held_out_description(config.dataset), step=step))
    if config.is_points:
        scores = points.evaluate_points(gan, config, n=points.NUM_SAMPLES, seed=seed)
        from gantk.data.mixtures import sample_mixture

        real, _ = sample_mixture(config.dataset, points.NUM_SAMPLES)
        fake = points.generate_points(gan, config, points.NUM_SAMPLES, seed=seed)
        plot = plot or os.path.join(run_dir, POINTS_PLOT)
        points.plot_points(real, fake.clip(-1e3, 1e3), plot, title=f"{config.variant} on {config.dataset}, step {step}")
        protocol = dict(
            measure="mode coverage (nearest centre within 3 standard deviations)",
            n_fake=points.NUM_SAMPLES, n_real=points.NUM_SAMPLES, seed=seed, step=step, plot=plot,
        )
        return dict(result, kind="points", scores=scores, protocol=protocol)

    from gantk.evaluation.sample_quality import METRICS, default_extractor, evaluate_images, parse_metrics
    from gantk.training.sampling import sample_uint8

    extractor = extractor or default_extractor(config)
    wanted = parse_metrics(metrics) if metrics else METRICS
    if not metrics and extractor == "inception":
        wanted = tuple(m for m in wanted if m != "is")
    log(f"Generating {n} images from step {step} of {run_dir}.")
    images = sample_uint8(gan, config, int(n), seed=seed)
    scores, protocol = evaluate_images(images, config, wanted, extractor, n, inception_weights, cache_dir, log)
    protocol.update(seed=seed, step=step)
    if held_out:
        scores.update(held_out)
        protocol.update(held_out=held_out_description(config.dataset))
    return dict(result, kind="images", scores=scores, protocol=protocol)


def held_out_scores(gan, config):
    """A classifier's held-out accuracy, an auto-encoder's held-out negative ELBO (VAE) or reconstruction
    loss (ae); empty for other runs and for datasets without a held-out split."""
    from gantk import zoo
    from gantk.data import registered

    if zoo.get(config.variant).classifier:
        from gantk.evaluation.classification import held_out_accuracy

        return held_out_accuracy(gan, config)
    source, _ = registered(config.dataset)
    if hasattr(gan, "reconstruct") and source is not None and "test" in source.splits:
        from gantk.data.arrays import to_arrays
        from gantk.data.splits import load_held_out
        from gantk.evaluation.reconstruction import negative_elbo

        images, _ = to_arrays(load_held_out(config.dataset, config.image_size, config.channels))
        name = "negative_elbo" if gan.variational else "reconstruction_nll"
        return {name: negative_elbo(gan, images), "n_test": int(len(images))}
    return {}


def write_json(result, path):
    return write_json_atomically(path, result)


def default_json_path(run_dir):
    return os.path.join(layout.require_run_dir(run_dir), DEFAULT_JSON)
