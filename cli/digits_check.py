"""``gantk digits-check RUN_DIR``: are a digits run's samples digits? An SVM fitted on the real digits reads them."""

import click

from gantk.cli.sample_checks import sample_check_options


@click.command("digits-check")
@click.argument("run_dir", type=click.Path())
@sample_check_options
def command(run_dir, n, per_label, seed):
    """Read a digits run's samples with an RBF SVM fitted on the real digits; print JSON.

    Unconditional runs: the share read as one digit with probability >= 0.8, against the held-out
    real digits' share, and the samples per class. Conditional runs: the accuracy per asked label.
    """
    import json

    from gantk.api import load_run
    from gantk.evaluation.digits_check import check_run

    click.echo(json.dumps(check_run(load_run(run_dir), n=n, per_label=per_label, seed=seed), indent=1))
