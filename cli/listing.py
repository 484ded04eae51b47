"""``gantk list``: the variants and datasets available."""

import click


def dataset_lines(sources):
    """One line per bundled dataset and one per ``name/config`` form of those that have configurations."""
    lines = []
    for name in sorted(sources):
        source = sources[name]
        lines.append(f"  {name:<18} {source.summary}")
        for index, config in enumerate(source.configs):
            labels = (source.config_labels or {}).get(config)
            text = f"labels by {config}" + (f": {', '.join(map(str, labels))}" if labels else "")
            lines.append(f"  {name + '/' + config:<18} {text}" + (" (the default)" if index == 0 else ""))
    return lines


@click.command("list")
def command():
    """List GAN variants and datasets."""
    from gantk import zoo
    from gantk.data.registry import SOURCES

    click.echo("Variants:")
    for name in zoo.names():
        recipe = zoo.get(name)
        click.echo(f"  {name:<12} {recipe.summary} [{recipe.paper}]")
    click.echo("Datasets (no download needed):")
    for line in dataset_lines(SOURCES):
        click.echo(line)
    click.echo(f"  {'PATH':<18} a folder of your own images (PNG/JPEG/BMP/GIF); subfolders become labels")
    click.echo("Datasets from tensorflow-datasets (downloaded, or from --data-dir): mnist, fashion_mnist, cifar10, celeb_a, ...")
