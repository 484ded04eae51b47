"""``gantk sample RUN_DIR``: a grid (or raw array) of images from a run's generator."""

import click


@click.command("sample")
@click.argument("run_dir", type=click.Path())
@click.option("--n", default=64, show_default=True, type=click.IntRange(min=1), help="Number of images.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Latent seed; the same seed gives the same images.")
@click.option("--label", "labels", multiple=True, help="Class index or name for a conditional run (repeatable, one per image or one for all).")
@click.option("--caption", "captions", multiple=True, help="Text-to-image runs: the sentence to draw (repeatable: one for all images, or one per image). [default: the preview captions, one row each]")
@click.option("--code", type=click.IntRange(min=0), help="Runs with an InfoGAN code (--info-code K): draw every image in category CODE (0 to K-1); the same --seed gives the same noise in every category.")
@click.option("--pyramid", is_flag=True, help="Pyramid (lapgan) runs: one row per level, coarsest first, one column per latent.")
@click.option("--out", default="samples.png", show_default=True, type=click.Path(dir_okay=False), help="PNG grid, or .npy for the raw uint8 array.")
def command(run_dir, n, seed, labels, captions, code, pyramid, out):
    """Draw N images (or 2-D points: a scatter plot, or .npy) from RUN_DIR's latest checkpoint."""
    import os

    from gantk.api import check_run, load_run
    from gantk.errors import ConfigError
    from gantk.images import save_images
    from gantk.latents import check_sample_size, grid_columns

    extension = os.path.splitext(out)[1]
    if extension.lower() != ".png" and extension != ".npy":
        raise ConfigError(f"Argument `out` must name a .png or .npy file. Received: out={out!r}")
    check_sample_size(n, check_run(run_dir).image_shape or [1])
    from gantk.training.run import grid_rows
    from gantk.training.sampling import sample_uint8

    loaded = load_run(run_dir)
    config, gan = loaded.config, loaded.gan
    if config.is_points:
        from gantk.training.points import save_point_samples

        save_point_samples(gan, config, n, out, seed=seed, labels=list(labels) or None, code=code)
        click.echo(f"Wrote {n} points to {out}.")
        return
    if pyramid:
        from gantk.training.pyramid_sampling import pyramid_uint8

        images = pyramid_uint8(gan, config, n, seed=seed, labels=list(labels) or None, code=code)
        save_images(images, out, columns=n)
        click.echo(f"Wrote every level of {n} samples to {out}.")
        return
    images = sample_uint8(gan, config, n, seed=seed, labels=list(labels) or None, captions=list(captions) or None, code=code)
    rows = grid_rows(gan, config) if not (labels or captions) else 0
    columns = grid_columns(n, rows) if rows else None
    try:
        save_images(images, out, columns=columns)
    except OSError as error:
        raise ConfigError(f"Cannot write {out!r} ({error.strerror or error}); choose another --out.") from None
    click.echo(f"Wrote {n} samples to {out}.")
