"""``gantk prepare NAME --manual-dir DIR``: turn files the user already has into a prepared tensorflow-datasets dataset."""

import click


@click.command("prepare")
@click.argument("name")
@click.option("--manual-dir", required=True, type=click.Path(file_okay=False), help="Folder holding the dataset's files under their usual names (for celeb_a: img_align_celeba.zip, list_eval_partition.txt, list_attr_celeba.txt, list_landmarks_align_celeba.txt, identity_CelebA.txt).")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where the prepared dataset goes (default $TFDS_DATA_DIR or ~/tensorflow_datasets); pass the same to `gantk train --data-dir`.")
@click.option("--skip-checksums", is_flag=True, help="Accept files whose size or sha256 differ from tensorflow-datasets' record.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def command(name, manual_dir, data_dir, skip_checksums, quiet):
    """Prepare tensorflow-datasets dataset NAME from its files in --manual-dir, offline, without Apache Beam."""
    from gantk.data.prepare import prepare_dataset

    builder = prepare_dataset(name, manual_dir, data_dir=data_dir, skip_checksums=skip_checksums, progress=not quiet)
    splits = ", ".join(f"{split} {info.num_examples}" for split, info in builder.info.splits.items())
    click.echo(f"Prepared {builder.info.full_name} in {builder.data_dir} ({splits} examples).")
    click.echo(f"Train on it with: gantk train dcgan --dataset {name} --data-dir {builder.data_dir_root}")
