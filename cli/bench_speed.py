"""``gantk bench speed``: training and inference speed of the canonical DCGAN against references in the same run."""

import click


@click.command("speed")
@click.option("--image-size", type=click.Choice(["16", "32", "64"]), default="64", show_default=True, help="64 is the paper's DCGAN; 32 for a quick run.")
@click.option("--batch-size", type=click.IntRange(min=2), default=64, show_default=True)
@click.option("--steps", type=click.IntRange(min=2), default=10, show_default=True, help="Timed training steps (after warm-up) per measurement.")
@click.option("--warmup", type=click.IntRange(min=1), default=3, show_default=True, help="Untimed training steps first.")
@click.option("--width", type=click.IntRange(min=1), default=128, show_default=True, help="DCGAN width; 128 at 64x64 gives the paper's layer sizes.")
@click.option("--no-inference", is_flag=True, help="Skip the generator inference and import figures.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write every figure to this JSON file.")
def command(image_size, batch_size, steps, warmup, width, no_inference, json_path):
    """Images/s of gantk's GAN vs a plain Keras train_step (and PyTorch when installed), GFLOP/s vs the matmul peak, XLA and reduced precision, generator inference."""
    from gantk.bench.speed import run_benchmark, write_json

    results = run_benchmark(
        image_size=int(image_size), batch_size=batch_size, steps=steps, warmup=warmup, width=width,
        inference=not no_inference, log=click.echo,
    )
    if json_path:
        write_json(results, json_path)
        click.echo(f"Figures written to {json_path}.")
