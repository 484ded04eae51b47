"""``gantk arithmetic RUN_DIR``: DCGAN-style vector arithmetic on latents, written as a grid."""

import os

import click


@click.command("arithmetic")
@click.argument("run_dir", type=click.Path())
@click.option("--plus", "plus", multiple=True, help="Seeds of a concept to add, comma-separated; their latents are averaged (repeatable).")
@click.option("--minus", "minus", multiple=True, help="Seeds of a concept to subtract, comma-separated (repeatable).")
@click.option("--variations", default=7, show_default=True, type=click.IntRange(min=0), help="Extra results with noise of scale 0.25 added to the result latent, as in the paper.")
@click.option("--label", default=None, help="Conditional runs: the class of every image. [default: 0]")
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="PNG grid. [default: RUN_DIR/arithmetic.png]")
def command(run_dir, plus, minus, variations, label, out):
    """Add and subtract concept latents (each the mean of several seeds): one row per term, the result last.

    Each term's row shows its seeds' images and then the image of their mean latent; the last row
    shows the result and its variations.
    """
    from gantk.api import load_run
    from gantk.evaluation import latent
    from gantk.images import save_images
    from gantk.training.sampling import resolve_labels

    loaded = load_run(run_dir)
    config, gan = loaded.config, loaded.gan
    if label is not None and not gan.conditional:
        raise click.BadParameter(f"the {config.variant} run is not conditional", param_hint="--label")
    label = resolve_labels(label, 1, config)[0] if label is not None else None
    terms = [(1, latent.parse_seeds(s, name="plus")) for s in plus] + [(-1, latent.parse_seeds(s, name="minus")) for s in minus]
    images, columns = latent.arithmetic_grid(gan, config, terms, variations, label)
    out = out or os.path.join(run_dir, "arithmetic.png")
    save_images(images, out, columns=columns)
    equation = " ".join(f"{'+' if sign > 0 else '-'} mean(seeds {','.join(map(str, seeds))})" for sign, seeds in terms)
    click.echo(f"Wrote {out}: rows are the terms {equation.lstrip('+ ')}; the last row is the result.")
