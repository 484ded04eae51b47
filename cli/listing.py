"""``gantk list``: the variants and datasets available."""

import click


@click.command("list")
def command():
    """List GAN variants and datasets."""
    from gantk import zoo
    from gantk.data import dataset_names

    click.echo("Variants:")
    for name in zoo.names():
        recipe = zoo.get(name)
        click.echo(f"  {name:<12} {recipe.summary} [{recipe.paper}]")
    click.echo("Datasets (no download needed):")
    for name in dataset_names():
        click.echo(f"  {name}")
    click.echo("  PATH         a folder of your own images (PNG/JPEG/BMP/GIF); subfolders become labels")
    click.echo("Datasets from tensorflow-datasets (downloaded, or from --data-dir): mnist, fashion_mnist, cifar10, celeb_a, ...")
