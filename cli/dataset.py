"""``gantk dataset NAME --out FILE.npz``: write a dataset as gantk reads it, with a preview grid."""

import click


@click.command("dataset")
@click.argument("name")
@click.option("--split", help="Split to write (default: the dataset's own; digits: all, others: train).")
@click.option("--n", type=click.IntRange(min=1), help="Write only the first N examples of the split.")
@click.option("--image-size", type=int, help="Square image size, a power of two from 16 to 128 (default: the dataset's).")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where tensorflow-datasets keeps prepared data.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .npz file to write; FILE.png gets a preview grid.")
def command(name, split, n, image_size, data_dir, out):
    """Write dataset NAME (digits, shapes[/ATTRIBUTE], a folder, a tensorflow-datasets name) to FILE.npz.

    Keys: images (uint8 N,H,W,C), labels and label_names when labelled; shapes adds attributes
    (int32 N,5), attribute_names (JSON {attribute: [value names]}) and captions.
    """
    from gantk.data import default_split, load_dataset
    from gantk.data.dump import PREVIEW_COUNT, write_dataset
    from gantk.errors import ConfigError

    if not out.lower().endswith(".npz"):
        raise ConfigError(f"Argument `out` must name a .npz file. Received: out={out!r}")
    split = split or default_split(name)
    data = load_dataset(name, image_size=image_size, split=split, data_dir=data_dir, n=n)
    arrays, preview = write_dataset(data, out)
    shape = "x".join(str(d) for d in data.element_shape)
    click.echo(
        f"Wrote {data.num_examples} examples ({shape}) of {name}, split {split}, to {out}"
        + (f" and a preview of the first {min(PREVIEW_COUNT, data.num_examples)} to {preview}." if preview else ".")
    )
