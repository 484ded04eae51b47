"""``gantk bench speed``: training and inference speed of the canonical DCGAN against references in the same run."""

import click


@click.command("speed")
@click.option("--image-size", type=click.Choice(["16", "32", "64"]), default="64", show_default=True, help="64 is the paper's DCGAN; 32 for a quick run.")
@click.option("--batch-size", type=click.IntRange(min=2), default=64, show_default=True)
@click.option("--steps", type=click.IntRange(min=2), default=10, show_default=True, help="Timed training steps (after warm-up) per measurement.")
@click.option("--warmup", type=click.IntRange(min=1), default=3, show_default=True, help="Untimed training steps first.")
@click.option("--width", type=click.IntRange(min=1), default=128, show_default=True, help="DCGAN width; 128 at 64x64 gives the paper's layer sizes.")
@click.option("--no-inference", is_flag=True, help="Skip the generator inference and import figures.")
@click.option("--torch-python", type=click.Path(dir_okay=False, exists=True), help="A Python with torch for the PyTorch DCGAN example (default: this one, when it has torch).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write every figure to this JSON file.")
def command(image_size, batch_size, steps, warmup, width, no_inference, torch_python, json_path):
    """The machine, then images/s of gantk's GAN vs a plain Keras train_step, every execution setting (graph/XLA, oneDNN on/off, native bf16) and the auto choice, the PyTorch DCGAN example, generator inference."""
    from gantk.bench.reference_python import torch_python as find_torch_python
    from gantk.bench.speed import run_benchmark
    from gantk.files import write_json_atomically

    results = run_benchmark(
        image_size=int(image_size), batch_size=batch_size, steps=steps, warmup=warmup, width=width,
        inference=not no_inference, torch_python=find_torch_python(torch_python, modules=("torch",)), log=click.echo,
    )
    if json_path:
        write_json_atomically(json_path, results)
        click.echo(f"Figures written to {json_path}.")
