"""``gantk train VARIANT``: train a GAN variant on a dataset into a run directory."""

import click


@click.command("train")
@click.argument("variant")
@click.option("--dataset", help="digits (bundled), a folder of images, or a tensorflow-datasets name such as celeb_a.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where tensorflow-datasets keeps prepared data.")
@click.option("--image-size", type=int, help="Square image size, a power of two from 16 to 128.")
@click.option("--channels", type=click.Choice(["1", "3"]), help="Colour channels; default: those of the data.")
@click.option("--batch-size", type=int, help="Global batch size (split across replicas).")
@click.option("--epochs", type=int, help="Passes over the data (default 20).")
@click.option("--steps", type=int, help="Generator updates; overrides --epochs.")
@click.option("--latent-dim", type=int, help="Size of the noise vector z.")
@click.option("--width", type=int, help="Channels of the widest-resolution layer; doubled at each halving.")
@click.option("--loss", help="Loss pair: non-saturating, minimax, wasserstein, hinge, least-squares.")
@click.option("--d-steps", type=int, help="Discriminator updates per generator update (k).")
@click.option("--label-smoothing", type=float, help="One-sided label smoothing: the real target, e.g. 0.9.")
@click.option("--seed", type=int, help="Seed for weights, noise, data order and sample grids.")
@click.option("--checkpoint-every", type=int, help="Also checkpoint every N steps (always at each epoch end).")
@click.option("--out", "run_dir", type=click.Path(file_okay=False), help="Run directory (default runs/<variant>-<time>).")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option("--strategy", type=click.Choice(["auto", "default", "mirrored", "multi-worker", "tpu"]), help="tf.distribute strategy.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def command(variant, run_dir, resume, quiet, channels, checkpoint_every, **options):
    """Train VARIANT (see `gantk list`), writing checkpoints, sample grids and the generator."""
    from gantk.errors import RunDirError
    from gantk.training.build import resolve_config
    from gantk.training.run import train

    if resume and not run_dir:
        raise RunDirError("--resume needs --out RUN_DIR naming the run to continue.")
    extra = {"checkpoint_every": checkpoint_every} if checkpoint_every else {}
    config = resolve_config(variant, channels=int(channels) if channels else None, options=extra, **options)
    run_dir = train(config, run_dir=run_dir, resume=resume, progress=not quiet, log=click.echo)
    click.echo(f"Run saved in {run_dir} (samples: {run_dir}/samples.png, generator: {run_dir}/generator.keras).")
