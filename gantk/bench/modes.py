"""The mode-coverage benchmark: every point-capable variant (and trick) on ``ring8`` and ``grid25``.

Protocol (fixed, so that rows compare): each run trains from scratch on the 100,000-point mixture
for ``steps`` generator updates with the shared settings of ``PROTOCOL`` (MLP sizes, latent size,
batch), each variant keeping its own loss, optimizer, learning rates, discriminator steps,
clipping and penalty (its paper's settings, see ``gantk list``); a trick row is the ``gan``
variant plus that trick. After training, 2,500 points from latents ``latent_vectors(2500, d, 0)``
are scored with the counting rule of VEEGAN / PacGAN (``gantk.metrics.modes``): modes covered
and the fraction of high-quality points (within 3 standard deviations of their nearest mode).
Every configuration runs for seeds 0 .. n - 1 (weights, noise and data order); the table gives
the mean and standard deviation over seeds and the mean CPU seconds of one run (process time,
all threads). ``BEST`` is gantk's tuned configuration.
"""

import time

import numpy as np

PROTOCOL = dict(steps=3000, batch_size=256, latent_dim=16, hidden=[256, 256])
"""Settings every benchmark row shares (a row may override them, as ``BEST`` does)."""

BEST = dict(
    variant="gan", steps=30_000, d_learning_rate=1e-3, g_learning_rate=1e-3,
    hidden=[256, 256], dropout=0.0, lr_decay_steps=30_000, latent_mixture=500, latent_mixture_scale=0.1,
    generator_ema=0.999,
    per_dataset=dict(ring8=dict(r1_penalty=0.1), grid25=dict(r1_penalty=1.0)),
)
"""gantk's best configuration found so far (a short search, single runs): the non-saturating GAN
without dropout, Adam 1e-3 decayed to 1e-5 by a cosine over 30,000 steps, which lets the modes
sharpen at the end; a latent mixture prior of 500 components (``gantk.nets.latent_mixture``), so
the generator need not leave mass on bridges between modes; the R1 penalty (Mescheder et al.
2018), which keeps the discriminator near equilibrium while the rate decays; and points drawn
from a moving average of the generator's weights (decay 0.999; Yazıcı et al. 2019), which
recentres modes the last iterate circles around. R1's gamma has the units of the data's squared
scale, so it is set per mixture: 0.1 for ``ring8`` (std 0.02), 1 for ``grid25`` (std 0.05)."""

TRICKS = {
    "label-smoothing": dict(label_smoothing=0.9),
    "minibatch-discrimination": dict(minibatch_discrimination=True),
    "historical-averaging": dict(historical_averaging=1.0),
    "virtual-batch-norm": dict(virtual_batch_norm="both"),
    "instance-noise": dict(instance_noise=0.1),
}
"""Each trick with the setting the benchmark uses (see ``gantk.training.tricks``), added to the ``gan`` row."""

PUBLISHED = [
    ("VEEGAN Table 1", "GAN", 1.0, 99.3, 3.3, 0.5),
    ("VEEGAN Table 1", "ALI", 2.8, 0.13, 15.8, 1.6),
    ("VEEGAN Table 1", "Unrolled GAN", 7.6, 35.6, 23.6, 16.0),
    ("VEEGAN Table 1", "VEEGAN", 8.0, 52.9, 24.6, 40.0),
    ("PacGAN Table 1", "GAN", 6.3, 98.2, 17.3, 94.8),
    ("PacGAN Table 1", "ALI", 6.6, 97.6, 24.1, 95.7),
    ("PacGAN Table 1", "Minibatch discrimination", 4.3, 36.6, 23.8, 79.9),
    ("PacGAN Table 1", "PacGAN2", 7.9, 95.6, 23.8, 91.3),
    ("PacGAN Table 1", "PacGAN3", 7.8, 97.7, 24.6, 94.2),
    ("PacGAN Table 1", "PacGAN4", 7.8, 95.9, 24.8, 93.6),
]
"""(source, method, ring modes, ring high-quality %, grid modes, grid high-quality %), as printed
in Srivastava et al. 2017 (arXiv:1705.07761) and Lin et al. 2018 (arXiv:1712.04086)."""

DATASETS = ("ring8", "grid25")
STEPS_PER_EXECUTION = 50
"""Training steps per compiled call: small MLPs are otherwise dominated by per-step overhead."""


def point_variants():
    """Registered variants that train on point data."""
    from gantk import zoo

    return [name for name in zoo.names() if zoo.get(name).data_kind in ("any", "points")]


def merge(*settings):
    """Later settings override earlier ones."""
    merged = {}
    for setting in settings:
        merged.update(setting)
    return merged


def for_dataset(settings, dataset):
    """A row's settings on ``dataset``: its ``per_dataset`` entry for that dataset merged over the rest."""
    shared = {k: v for k, v in settings.items() if k != "per_dataset"}
    return merge(shared, settings.get("per_dataset", {}).get(dataset, {}))


def rows(variants=None, tricks=(), best=True):
    """(row name, variant, overrides) for each configuration the benchmark runs."""
    from gantk.errors import ConfigError

    chosen = []
    for variant in point_variants() if variants is None else variants:
        if variant not in point_variants():
            raise ConfigError(f"Argument `variants` must name point-capable variants ({', '.join(point_variants())}). Received: {variant!r}")
        name = f"{variant} (given the mode as label)" if variant == "cgan" else variant
        chosen.append((name, variant, merge(PROTOCOL)))
    for trick in tricks:
        if trick not in TRICKS:
            raise ConfigError(f"Argument `tricks` must be among {', '.join(TRICKS)}. Received: {trick!r}")
        chosen.append((f"gan + {trick}", "gan", merge(PROTOCOL, TRICKS[trick])))
    if best:
        best_settings = {k: v for k, v in BEST.items() if k != "variant"}
        chosen.append((f"gantk best ({BEST['variant']}, tuned)", BEST["variant"], merge(PROTOCOL, best_settings)))
    return chosen


def run_one(variant, dataset, seed, overrides, steps=None):
    """Train one configuration from scratch and score it: modes, high-quality fraction, CPU and wall seconds.

    ``steps`` replaces the row's length (and its learning-rate decay length, if it has one)."""
    from gantk.data import load_dataset
    from gantk.data.pipeline import training_batches
    from gantk.training.points import evaluate_points
    from gantk.training.build import build_compiled_gan, seed_everything
    from gantk.training.config import resolve_config
    from gantk.training.run import check_labels, with_data
    from gantk.training.tricks import choose_real_reference

    settings = merge(for_dataset(overrides, dataset), {"steps": steps} if steps else {})
    if steps and "lr_decay_steps" in settings:
        settings["lr_decay_steps"] = int(steps)
    config = resolve_config(variant, dataset=dataset, seed=seed, **settings)
    data = load_dataset(dataset)
    config = with_data(config, data)
    check_labels(config, data)
    cpu, wall = time.process_time(), time.perf_counter()
    seed_everything(seed)
    gan = build_compiled_gan(config)
    gan.steps_per_execution = STEPS_PER_EXECUTION
    choose_real_reference(gan, data, config)
    batches = training_batches(data, config.batch_size * config.d_steps, seed=seed)
    gan.fit(batches, steps_per_epoch=int(config.steps), epochs=1, verbose=0, shuffle=False)
    figures = evaluate_points(gan, config)
    figures.update(cpu_seconds=round(time.process_time() - cpu, 1), wall_seconds=round(time.perf_counter() - wall, 1))
    return gan, config, figures


def summarize(results):
    """Mean and standard deviation over seeds of each (row, dataset)."""
    summary = {}
    for result in results:
        summary.setdefault((result["row"], result["dataset"]), []).append(result)
    table = []
    for (row, dataset), runs in summary.items():
        modes = np.array([r["modes_covered"] for r in runs], dtype=float)
        quality = 100 * np.array([r["high_quality_fraction"] for r in runs])
        table.append(dict(
            row=row, dataset=dataset, seeds=len(runs), modes_total=runs[0]["modes_total"],
            modes_mean=round(float(modes.mean()), 2), modes_std=round(float(modes.std()), 2),
            high_quality_mean=round(float(quality.mean()), 1), high_quality_std=round(float(quality.std()), 1),
            all_modes_runs=int(np.sum(modes == runs[0]["modes_total"])),
            cpu_seconds_mean=round(float(np.mean([r["cpu_seconds"] for r in runs])), 1),
        ))
    return table


def format_table(summary, datasets=DATASETS):
    """The measured rows next to the published ones, as a Markdown table."""
    header = "| configuration | " + " | ".join(f"{d} modes | {d} high-quality % | {d} CPU s" for d in datasets) + " |"
    lines = [header, "|" + "---|" * (1 + 3 * len(datasets))]
    by_key = {(s["row"], s["dataset"]): s for s in summary}
    for row in dict.fromkeys(s["row"] for s in summary):
        cells = []
        for dataset in datasets:
            s = by_key.get((row, dataset))
            if s is None:
                cells += ["", "", ""]
                continue
            cells += [
                f"{s['modes_mean']:.1f} ± {s['modes_std']:.1f} / {s['modes_total']}",
                f"{s['high_quality_mean']:.1f} ± {s['high_quality_std']:.1f}",
                f"{s['cpu_seconds_mean']:.0f}",
            ]
        seeds = max(s["seeds"] for s in summary if s["row"] == row)
        lines.append(f"| {row}, seeds: {seeds} | " + " | ".join(cells) + " |")
    for source, method, ring_modes, ring_hq, grid_modes, grid_hq in PUBLISHED:
        published = {"ring8": (f"{ring_modes:g} / 8", f"{ring_hq:g}"), "grid25": (f"{grid_modes:g} / 25", f"{grid_hq:g}")}
        cells = []
        for dataset in datasets:
            cells += [*published.get(dataset, ("", "")), ""]
        lines.append(f"| published: {method} ({source}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_benchmark(datasets=DATASETS, variants=None, tricks=(), best=True, seeds=5, steps=None, plots=None, log=print):
    """Every configuration of ``rows`` on every dataset for seeds 0 .. seeds - 1; returns the per-run results."""
    import os

    from gantk.data.mixtures import sample_mixture
    from gantk.training.points import generate_points, plot_points

    results = []
    for row, variant, overrides in rows(variants, tricks, best):
        for dataset in datasets:
            for seed in range(int(seeds)):
                gan, config, figures = run_one(variant, dataset, seed, overrides, steps)
                results.append(dict(row=row, variant=variant, dataset=dataset, seed=seed, steps=int(config.steps), **figures))
                log(
                    f"{row} on {dataset}, seed {seed}: {figures['modes_covered']}/{figures['modes_total']} modes, "
                    f"{100 * figures['high_quality_fraction']:.1f}% high quality, {figures['cpu_seconds']:.0f} CPU s"
                )
                if plots:
                    name = f"{row.split(' (')[0].replace(' + ', '+').replace(' ', '_')}-{dataset}-seed{seed}.png"
                    real, fake = sample_mixture(dataset, 2500)[0], generate_points(gan, config, seed=0)
                    plot_points(real, fake, os.path.join(plots, name), title=f"{row} on {dataset}, seed {seed}")
    return results
