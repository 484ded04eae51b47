"""``gantk shapes-check RUN_DIR``: does a shapes run draw shapes? A judge trained on the real shapes reads them."""

import click

from gantk.cli.sample_checks import sample_check_options


@click.command("shapes-check")
@click.argument("run_dir", type=click.Path())
@sample_check_options
def command(run_dir, n, per_label, seed):
    """Read a shapes run's samples with a classifier of the real shapes' attributes; print JSON.

    The clean share: samples read as one kind and one colour, each with probability >= 0.8, beside
    the real test pictures' share, and the samples per value of every attribute. Conditional runs also get
    the accuracy of the asked label. The judge is trained once per image size and cached.
    """
    import json

    from gantk.api import load_run
    from gantk.evaluation.shapes_check import check_run

    run = load_run(run_dir)
    click.echo(json.dumps(check_run(run, n=n, per_label=per_label, seed=seed, log=lambda text: click.echo(text, err=True)), indent=1))
