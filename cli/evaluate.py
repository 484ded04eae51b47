"""``gantk evaluate RUN_DIR``: sample-quality scores of a run, printed as a table and written as JSON."""

import click


@click.command("evaluate")
@click.argument("run_dir", type=click.Path())
@click.option("--metrics", default=None, help="Comma-separated from fid,kid,pr,is. [default: all; fid,kid,pr with Inception]")
@click.option("--n", default=10000, show_default=True, type=click.IntRange(min=10), help="Generated images (and at most as many reference images).")
@click.option("--extractor", type=click.Choice(["inception", "classifier"]), default=None, help="Feature extractor. [default: classifier for labelled datasets, else inception]")
@click.option("--inception-weights", type=click.Path(dir_okay=False), default=None, help="A Keras InceptionV3 weights .h5 file, for machines without internet.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Where classifiers and reference features are cached. [default: $GANTK_CACHE_DIR or ~/.cache/gantk]")
@click.option("--seed", default=0, show_default=True, type=int, help="Latent seed of the generated samples.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Where to write the JSON. [default: RUN_DIR/evaluation.json]")
def command(run_dir, metrics, n, extractor, inception_weights, cache_dir, seed, json_path):
    """Score a run: FID, KID, precision/recall, IS of images; mode coverage of 2-D points."""
    from gantk.api import check_run

    check_run(run_dir)
    from gantk.evaluation.evaluate import default_json_path, evaluate_run, write_json
    from gantk.evaluation.sample_quality import format_table

    json_path = json_path or default_json_path(run_dir)
    result = evaluate_run(
        run_dir, metrics=metrics, n=n, extractor=extractor, seed=seed,
        inception_weights=inception_weights, cache_dir=cache_dir, log=click.echo,
    )
    click.echo(format_table(result))
    write_json(result, json_path)
    click.echo(f"Wrote {json_path}.")
