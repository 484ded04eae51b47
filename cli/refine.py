"""``gantk refine RUN_DIR LOW``: the upper levels of a pyramid (lapgan) run refine a real low-resolution image."""

import click


@click.command("refine")
@click.argument("run_dir", type=click.Path())
@click.argument("low", type=click.Path(dir_okay=False))
@click.option("--out", default="refined.png", show_default=True, type=click.Path(dir_okay=False), help="PNG (a grid when --n > 1), or .npy for the raw uint8 array.")
@click.option("--n", default=1, show_default=True, type=click.IntRange(min=1), help="Number of refinements, each from its own latents.")
@click.option("--seed", default=0, show_default=True, type=int, help="Latent seed of the refining levels.")
@click.option("--label", "labels", multiple=True, help="Class index or name for a class-conditional run (one for all, or one per refinement).")
def command(run_dir, low, out, n, seed, labels):
    """Run the levels of RUN_DIR above LOW's size on LOW (a real image of a coarser level's size)."""
    from gantk.api import load_run
    from gantk.images import save_images
    from gantk.pixels import to_uint8
    from gantk.training.pyramid_sampling import read_image, refine_images

    loaded = load_run(run_dir)
    config, gan = loaded.config, loaded.gan
    image = read_image(low, config.image_shape[-1])
    refined = refine_images(gan, config, image, n=n, seed=seed, labels=list(labels) or None)
    save_images(to_uint8(refined), out)
    size = config.image_shape[0]
    click.echo(f"Wrote {n} refinement{'s' if n > 1 else ''} of {low} ({image.shape[0]}x{image.shape[1]} -> {size}x{size}) to {out}.")
