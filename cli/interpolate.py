"""``gantk interpolate RUN_DIR``: a walk through latent space (or between classes) as a PNG strip and a GIF."""

import os

import click


@click.command("interpolate")
@click.argument("run_dir", type=click.Path())
@click.option("--seeds", default="0,1", show_default=True, help="Latent seeds to walk through, comma-separated (as in `gantk sample`).")
@click.option("--steps", default=10, show_default=True, type=click.IntRange(min=2), help="Images per walk between two seeds (or two labels).")
@click.option("--method", type=click.Choice(["slerp", "lerp"]), default="slerp", show_default=True, help="Spherical or linear interpolation.")
@click.option("--labels", default=None, help="Conditional runs: walk between these classes (e.g. 3,8) with each seed's latent fixed.")
@click.option("--label", default=None, help="Conditional runs: the class held fixed during a latent walk. [default: 0]")
@click.option("--captions", multiple=True, help='Text-to-image runs: walk the text embedding between these sentences with each seed\'s latent fixed, e.g. --captions "a red circle ...","a blue star ..." (repeat --captions for sentences with commas).')
@click.option("--caption", default=None, help="Text-to-image runs: the sentence held fixed during a latent walk (the style varies). [default: the first preview caption]")
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="PNG strip; the GIF is written beside it. [default: RUN_DIR/interpolation.png]")
def command(run_dir, seeds, steps, method, labels, label, captions, caption, out):
    """Interpolate between the latents of SEEDS (or between LABELS) and write a strip and an animated GIF."""
    from gantk.api import load_run
    from gantk.data.captions import preview_captions
    from gantk.evaluation import latent
    from gantk.images import save_images
    from gantk.training.sampling import resolve_labels

    loaded = load_run(run_dir)
    config, gan = loaded.config, loaded.gan
    out = out or os.path.join(run_dir, "interpolation.png")
    captioned = getattr(gan, "captioned", False)
    if (captions or caption) and not captioned:
        raise click.BadParameter(f"the {config.variant} run is not text-to-image", param_hint="--captions" if captions else "--caption")
    if captions:
        sentences = split_captions(captions)
        strip, columns, frames = latent.text_walk(gan, config, latent.parse_seeds(seeds), sentences, steps)
    elif captioned:
        if label is not None:
            raise click.BadParameter(f"the {config.variant} run draws captions, not classes; use --caption", param_hint="--label")
        fixed = latent.caption_embeddings(gan, config, [caption or preview_captions()[0]])[0]
        strip, columns, frames = latent.latent_walk(gan, config, latent.parse_seeds(seeds, 2), steps, method, fixed)
    elif labels:
        names = [part.strip() for part in labels.split(",") if part.strip()]
        if len(names) < 2:
            raise click.BadParameter("give at least two classes, e.g. 3,8", param_hint="--labels")
        indices = resolve_labels(names, len(names), config) if gan.conditional else names
        strip, columns, frames = latent.class_walk(gan, config, latent.parse_seeds(seeds), list(indices), steps)
    else:
        fixed = resolve_labels(label, 1, config)[0] if label is not None and gan.conditional else None
        if label is not None and not gan.conditional:
            raise click.BadParameter(f"the {config.variant} run is not conditional", param_hint="--label")
        strip, columns, frames = latent.latent_walk(gan, config, latent.parse_seeds(seeds, 2), steps, method, fixed)
    save_images(strip, out, columns=columns)
    gif = os.path.splitext(out)[0] + ".gif"
    latent.save_gif(frames, gif)
    click.echo(f"Wrote {out} ({len(strip)} images) and {gif} ({len(frames)} frames).")


def split_captions(values):
    """The sentences of ``--captions``: one value is split at its commas, repeated values are taken whole."""
    parts = values[0].split(",") if len(values) == 1 else list(values)
    return [part.strip() for part in parts if part.strip()]
