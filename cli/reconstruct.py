"""``gantk reconstruct RUN INPUT --out grid.png``: an auto-encoder run's inputs beside their reconstructions."""

import click


@click.command("reconstruct")
@click.argument("run_dir", type=click.Path())
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True))
@click.option("--out", default="reconstructions.png", show_default=True, type=click.Path(dir_okay=False), help="PNG grid: each input on the left, its reconstruction on its right.")
@click.option("--n", default=32, show_default=True, type=click.IntRange(min=1), help="The first N images of INPUT.")
def command(run_dir, input_path, out, n):
    """Encode and decode the images of INPUT (a .npy of images or a folder) with RUN_DIR (ae or vae)."""
    from gantk.api import load_run
    from gantk.evaluation.reconstruction import reconstruction_grid

    loaded = load_run(run_dir)
    config, model = loaded.config, loaded.gan
    path, error = reconstruction_grid(model, config, input_path, out, n)
    click.echo(f"Wrote {path}: inputs and reconstructions side by side (mean squared error {error:.4f} in [-1, 1] units).")
