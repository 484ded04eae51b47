"""``gantk bench pipeline``: the input pipeline on real files, beside torchvision's DataLoader on the same files."""

import click


@click.command("pipeline")
@click.option("--dataset", required=True, help="A folder of images (searched recursively), digits, or a tensorflow-datasets name.")
@click.option("--workers", type=click.IntRange(min=1), help="For a folder: decoding threads for gantk and DataLoader worker processes for torchvision (default: the CPU count).")
@click.option("--image-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--crop", type=click.IntRange(min=1), help="Centre square cropped before the resize (CelebA/DCGAN: 108); default the largest.")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where tensorflow-datasets keeps prepared data.")
@click.option("--torch-python", type=click.Path(dir_okay=False, exists=True), help="A Python with torch and torchvision for the reference (default: this one, when it has them).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the figures to this JSON file.")
def command(dataset, workers, image_size, crop, batch_size, data_dir, torch_python, json_path):
    """First-pass and cached images/s and the first batch's latency; torchvision's on the same files."""
    from gantk.bench.pipeline import run_pipeline_bench
    from gantk.files import write_json_atomically

    result = run_pipeline_bench(
        dataset, workers=workers, image_size=image_size, crop=crop, batch_size=batch_size, data_dir=data_dir,
        torch=torch_python, log=click.echo,
    )
    if json_path:
        write_json_atomically(json_path, result)
        click.echo(f"Figures written to {json_path}.")
