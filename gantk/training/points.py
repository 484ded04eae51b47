"""Runs on 2-D mixtures: modes covered, high-quality fraction and a scatter plot of real vs generated.

The counting rule is VEEGAN's / PacGAN's (``gantk.metrics.modes``): 2,500 generated points,
each assigned to its nearest centre, high quality when within three standard deviations, a mode
covered when it holds at least one high-quality point.
"""

import os

import numpy as np

from gantk.data.mixtures import get_mixture, sample_mixture
from gantk.files import atomic_path
from gantk.metrics.modes import mode_coverage
from gantk.training import run_dir as layout
from gantk.training.sampling import generate_images

NUM_SAMPLES = 2500


def is_points(config):
    return len(config.image_shape or ()) == 1


def generate_points(gan, config, n=NUM_SAMPLES, seed=0):
    """float64 [n, 2] points from the generator for ``latent_vectors(n, latent_dim, seed)``."""
    return np.asarray(generate_images(gan, config, n, seed=seed), dtype=np.float64).reshape(n, -1)


def evaluate_points(gan, config, n=NUM_SAMPLES, seed=0):
    """``dict(modes_covered, modes_total, high_quality_fraction)`` of ``n`` generated points."""
    centers, std = get_mixture(config.dataset)
    points = generate_points(gan, config, n, seed)
    if not np.all(np.isfinite(points)):
        return dict(modes_covered=0, modes_total=int(len(centers)), high_quality_fraction=0.0)
    coverage = mode_coverage(points, centers, std)
    return dict(
        modes_covered=coverage.modes_covered,
        modes_total=coverage.modes_total,
        high_quality_fraction=round(coverage.high_quality_fraction, 6),
    )


def plot_points(real, fake, path, title=None):
    """A PNG scatter plot of ``real`` (grey) and ``fake`` (red) [n, 2] points, written atomically."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 5), dpi=100)
    axes = figure.subplots()
    axes.scatter(real[:, 0], real[:, 1], s=2, c="0.6", label="real", linewidths=0)
    axes.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:red", label="generated", alpha=0.6, linewidths=0)
    limit = 1.25 * float(np.abs(real).max())
    axes.set_xlim(-limit, limit)
    axes.set_ylim(-limit, limit)
    axes.set_aspect("equal")
    axes.legend(loc="upper right", markerscale=4, fontsize=8)
    if title:
        axes.set_title(title, fontsize=9)
    with atomic_path(path) as temporary:
        figure.savefig(temporary)
    return path


def write_scatter(gan, config, run_dir, name, figures=None):
    """The point-data counterpart of a sample grid: ``samples/<name>`` and ``samples.png``."""
    real, _ = sample_mixture(config.dataset, NUM_SAMPLES)
    fake = generate_points(gan, config, NUM_SAMPLES, seed=config.seed)
    title = None
    if figures:
        title = (
            f"{config.variant} on {config.dataset}: {figures['modes_covered']}/{figures['modes_total']} modes, "
            f"{100 * figures['high_quality_fraction']:.1f}% high quality"
        )
    path = plot_points(real, np.clip(fake, -1e3, 1e3), os.path.join(run_dir, layout.SAMPLES, name), title)
    plot_points(real, np.clip(fake, -1e3, 1e3), os.path.join(run_dir, layout.LATEST_SAMPLES), title)
    return path


def save_point_samples(gan, config, n, path, seed=0, labels=None, code=None):
    """``gantk sample`` for a point run: float32 [n, 2] as ``.npy``, or a scatter plot against real points."""
    points = np.asarray(generate_images(gan, config, n, seed=seed, labels=labels, code=code), dtype=np.float32)
    if str(path).endswith(".npy"):
        np.save(path, points)
        return path
    return plot_points(sample_mixture(config.dataset, NUM_SAMPLES)[0], points, path, title=f"{n} samples of {config.variant}")
