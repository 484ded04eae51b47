"""``gantk probe RUN_DIR``: a linear SVM on the discriminator's features against one on raw pixels."""

import click


@click.command("probe")
@click.argument("run_dir", type=click.Path())
@click.option("--dataset", default=None, help="Labelled dataset to probe with. [default: the run's]")
@click.option("--limit", default=None, type=click.IntRange(min=10), help="Use only the first N examples.")
@click.option("--test-fraction", default=0.25, show_default=True, type=click.FloatRange(0.05, 0.95), help="Share held out for testing (fixed split).")
@click.option("--grid", default=4, show_default=True, type=click.IntRange(min=1), help="Each feature map is max-pooled to at most GRID x GRID.")
@click.option("--c", "c", default=0.01, show_default=True, type=click.FloatRange(min=0, min_open=True), help="Inverse regularisation strength of the SVM.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the train/test split.")
@click.option("--json", "json_path", default=None, type=click.Path(dir_okay=False), help="Also write the result as JSON.")
def command(run_dir, dataset, limit, test_fraction, grid, c, seed, json_path):
    """Linear-SVM accuracy on the discriminator's pooled features vs raw pixels (Radford et al. 2015, 5.1)."""
    from gantk.api import check_run

    check_run(run_dir)
    from gantk.evaluation.evaluate import write_json
    from gantk.evaluation.probe import run_probe

    result = run_probe(run_dir, dataset, limit=limit, test_fraction=test_fraction, grid=grid, c=c, seed=seed, log=click.echo)
    protocol = result["protocol"]
    click.echo(
        f"discriminator features  {result['discriminator_accuracy']:.4f}  ({protocol['n_features']} features from "
        f"{len(protocol['layers'])} layers, max-pooled to {grid}x{grid})"
    )
    click.echo(f"raw pixels              {result['pixel_accuracy']:.4f}  ({protocol['n_pixels']} pixels)")
    click.echo(f"test accuracy of {protocol['svm']}, {protocol['n_train']} train / {protocol['n_test']} test images, seed {seed}")
    if json_path:
        write_json(result, json_path)
        click.echo(f"Wrote {json_path}.")
